// Rate: requests per actor over the window. Bucketed like every counter.
import { z } from 'zod';
import { threshold } from '../vocabulary/rule-fields.js';
import { formatDuration } from '../vocabulary/units.js';
import { counterObservation, NEEDS_NOTHING, wholeActor, type CompileDetector } from './detector.js';

export const rateConfig = z.object({ kind: z.literal('rate'), threshold }).strict();
export type RateConfig = z.infer<typeof rateConfig>;

export const compileRate: CompileDetector<RateConfig> = (config, { window }) => ({
  needs: NEEDS_NOTHING,
  fire: { atLeast: [config.threshold] },
  windowKey: wholeActor,
  observe: (event, key) => counterObservation(event, window, key, [1]),
  describe: (reading) => {
    const requests = reading[0] ?? 0;
    return {
      figures: {
        requests,
        threshold: config.threshold,
        windowSeconds: window.windowMs / 1000,
      },
      reason: `${requests} requests in ${formatDuration(window.windowMs)}`,
    };
  },
});
