// Error ratio: the share of an actor's requests answered with error statuses (404
// probing, 401/403 guessing), once the actor has made `minRequests` in the window.
import { compileStatusMatcher } from '../rules/compile.js';
import type { DetectConfig } from '../rules/schema.js';
import { formatDuration } from '../vocabulary/units.js';
import { counterObservation, wholeActor, type Detector } from './detector.js';

type ErrorRatioConfig = Extract<DetectConfig, { kind: 'errorRatio' }>;
const matchers = new WeakMap<ErrorRatioConfig, (status: number) => boolean>();

function isError(detect: ErrorRatioConfig, status: number): boolean {
  let matcher = matchers.get(detect);
  if (!matcher) {
    matcher = compileStatusMatcher(detect.statuses);
    matchers.set(detect, matcher);
  }
  return matcher(status);
}

export const errorRatioDetector: Detector<'errorRatio'> = {
  kind: 'errorRatio',
  windowKey: wholeActor,
  observe: (event, rule, detect, key) =>
    counterObservation(event, rule, key, [1, isError(detect, event.status) ? 1 : 0]),
  // Figures: requests, errors.
  fireCondition: (detect) => ({
    atLeast: [],
    ratio: { num: 1, den: 0, ratio: detect.ratio, minDen: detect.minRequests },
  }),
  describe: (rule, detect, reading) => {
    const [requests = 0, errors = 0] = reading;
    const ratio = requests > 0 ? errors / requests : 0;
    return {
      figures: {
        requests,
        errors,
        ratio: Math.round(ratio * 1000) / 1000,
        ratioThreshold: detect.ratio,
        minRequests: detect.minRequests,
        windowSeconds: rule.window.windowMs / 1000,
      },
      reason: `${errors} of ${requests} requests failed (${Math.round(ratio * 100)}%) in ${formatDuration(rule.window.windowMs)}`,
    };
  },
};
