// Enumeration: one actor walking the object ids of one route. Counted: new ids that
// land within `maxGap` of one of the actor's last `recentIds` distinct ids on that
// route — ascending, descending, strided (every 7th id), or a range walked in shuffled
// order all do; a person, or many people behind one NAT, opening records at random
// in a large table rarely do — and to fire, close ids must also be `minShare` of the
// actor's requests on the route, which random browsing never reaches. An id fetched
// again while still among the recent ones (an app re-syncing its 30 latest messages)
// is not new. Bucketed: the sums may include up to one bucket (window / buckets) of
// older requests.
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
  // Figures: close ids, requests.
  fireCondition: (detect) => ({
    atLeast: [],
    ratio: { num: 0, den: 1, ratio: detect.minShare, minDen: 0, minNum: detect.threshold },
  }),
  describe: (rule, detect, reading, key) => {
    const [closeIds = 0, requests = 0] = reading;
    return {
      figures: {
        sequentialIds: closeIds,
        requests,
        threshold: detect.threshold,
        minShare: detect.minShare,
        maxGap: detect.maxGap,
        route: key.route ?? '',
        windowSeconds: rule.window.windowMs / 1000,
      },
      reason: `${closeIds} sequential ids on ${key.route ?? '?'} in ${formatDuration(rule.window.windowMs)}`,
    };
  },
};
