// Rate: requests per actor over the window. Bucketed like every counter.
import { formatDuration } from '../vocabulary/units.js';
import { counterObservation, wholeActor, type Detector } from './detector.js';

export const rateDetector: Detector<'rate'> = {
  kind: 'rate',
  windowKey: wholeActor,
  observe: (event, rule, _detect, key) => counterObservation(event, rule, key, [1]),
  fireCondition: (detect) => ({ atLeast: [detect.threshold] }),
  describe: (rule, detect, reading) => {
    const requests = reading[0] ?? 0;
    return {
      figures: {
        requests,
        threshold: detect.threshold,
        windowSeconds: rule.window.windowMs / 1000,
      },
      reason: `${requests} requests in ${formatDuration(rule.window.windowMs)}`,
    };
  },
};
