// Error ratio: the share of an actor's requests answered with error statuses (404
// probing, 401/403 guessing), once the actor has made `minRequests` in the window.
// Bucketed like every counter.
import { z } from 'zod';
import { compileStatusMatcher, statusSpec } from '../vocabulary/http-status.js';
import { threshold } from '../vocabulary/rule-fields.js';
import { formatDuration } from '../vocabulary/units.js';
import { counterObservation, NEEDS_NOTHING, wholeActor, type CompileDetector } from './detector.js';

export const errorRatioConfig = z
  .object({
    kind: z.literal('errorRatio'),
    ratio: z.number().gt(0).max(1),
    minRequests: threshold,
    statuses: z.array(statusSpec).min(1).default(['4xx', '5xx']),
  })
  .strict();
export type ErrorRatioConfig = z.infer<typeof errorRatioConfig>;

export const compileErrorRatio: CompileDetector<ErrorRatioConfig> = (config, { window }) => {
  const isError = compileStatusMatcher(config.statuses);
  return {
    needs: NEEDS_NOTHING,
    // Figures: requests, errors.
    fire: {
      atLeast: [],
      ratio: { num: 1, den: 0, ratio: config.ratio, minDen: config.minRequests },
    },
    windowKey: wholeActor,
    observe: (event, key) =>
      counterObservation(event, window, key, [1, isError(event.status) ? 1 : 0]),
    describe: (reading) => {
      const [requests = 0, errors = 0] = reading;
      const ratio = requests > 0 ? errors / requests : 0;
      return {
        figures: {
          requests,
          errors,
          ratio: Math.round(ratio * 1000) / 1000,
          ratioThreshold: config.ratio,
          minRequests: config.minRequests,
          windowSeconds: window.windowMs / 1000,
        },
        reason: `${errors} of ${requests} requests failed (${Math.round(ratio * 100)}%) in ${formatDuration(window.windowMs)}`,
      };
    },
  };
};
