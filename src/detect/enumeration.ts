// Enumeration: one actor walking the object ids of one route. Counted: new ids that
// land within `maxGap` of one of the actor's last `recentIds` distinct ids on that
// route — ascending, descending, strided (every 7th id), or a range walked in shuffled
// order all do; a person, or many people behind one NAT, opening records at random
// in a large table rarely do — and to fire, close ids must also be `minShare` of the
// actor's new ids on the route, which random browsing never reaches. "New" means not
// among the recent ids: a repeat (an app re-syncing its 30 latest messages, or a
// scanner padding its walk with ids it already has, issue 9) fetches no new record and
// counts in neither figure, so it can neither fire the rule nor dilute the share. Ids
// new to the actor but far from its recent ones do dilute it ("wide harvesting", a
// known gap owned by issue 14). Bucketed: the sums may include up to one bucket
// (window / buckets) of older ids.
import { formatDuration } from '../vocabulary/units.js';
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
  // Figures: close ids, new ids.
  fireCondition: (detect) => ({
    atLeast: [],
    ratio: { num: 0, den: 1, ratio: detect.minShare, minDen: 0, minNum: detect.threshold },
  }),
  describe: (rule, detect, reading, key) => {
    const [closeIds = 0, newIds = 0] = reading;
    return {
      figures: {
        sequentialIds: closeIds,
        newIds,
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
