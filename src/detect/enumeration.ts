// Enumeration: one actor walking the object ids of one route. Counted: new ids that
// land within `maxGap` of one of the actor's last `recentIds` distinct ids on that
// route — ascending, descending, strided (every 7th id), or a range walked in shuffled
// order all do; a person, or many people behind one NAT, opening records at random
// in a large table almost never do. Bucketed: the sum may include up to one bucket
// (window / buckets) of older hits.
import { formatDuration } from '../rules/units.js';
import type { Detector } from './detector.js';

export const enumerationDetector: Detector<'enumeration'> = {
  kind: 'enumeration',
  windowKey: (event, base) => ({ ...base, route: event.route }),
  observe: (event, rule, detect, key) => ({
    kind: 'sequence',
    key,
    ts: event.ts,
    window: rule.window,
    id: event.numericId!,
    maxGap: detect.maxGap,
    recentIds: detect.recentIds,
  }),
  fireCondition: (detect) => ({ atLeast: [detect.threshold] }),
  describe: (rule, detect, reading, key) => {
    const closeIds = reading[0] ?? 0;
    return {
      figures: {
        sequentialIds: closeIds,
        threshold: detect.threshold,
        maxGap: detect.maxGap,
        route: key.route ?? '',
        windowSeconds: rule.window.windowMs / 1000,
      },
      reason: `${closeIds} sequential ids on ${key.route ?? '?'} in ${formatDuration(rule.window.windowMs)}`,
    };
  },
};
