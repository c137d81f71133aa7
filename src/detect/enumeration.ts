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
import { z } from 'zod';
import { idSpaceRoute } from '../normalize/index.js';
import { threshold } from '../vocabulary/rule-fields.js';
import { formatDuration } from '../vocabulary/units.js';
import type { NormalizedEvent } from '../normalize/index.js';
import {
  type FireCondition,
  type Observation,
  type WindowKey,
  type WindowShape,
  windowKey,
} from '../window/store.js';
import type { CompileDetector } from './detector.js';

/**
 * The fields of a walk over ids, shared with the route's sweep (sweep.ts): its own
 * defaults for `maxGap` and `minShare`.
 */
export function walkFields(defaults: { maxGap: number; minShare: number }) {
  return {
    /** New object ids close to recently touched ones, summed over the window. */
    threshold: threshold.min(2),
    /** Largest id distance still counted as "close": covers strides up to this. */
    maxGap: z.number().int().min(1).max(100_000).default(defaults.maxGap),
    /** How many recent distinct ids are kept: a repeat of one of them is no new id. */
    recentIds: z.number().int().min(2).max(64).default(64),
    /**
     * A new id is close when within `maxGap` of one of the last `closeAmong` of them
     * (default: all `recentIds`). Fewer lowers the chance that random reads of a
     * small id space land close, while the repeats of a popular listing still need
     * the long memory.
     */
    closeAmong: z.number().int().min(1).max(64).optional(),
    /**
     * And close ids must be at least this share of the new ids on the route (repeats
     * of recent ids count in neither): hundreds of people behind one NAT land close
     * ids by chance, a fraction of a percent.
     */
    minShare: z.number().min(0).max(1).default(defaults.minShare),
  };
}

/** The fire condition of a walk: [close ids, new ids] at threshold and share. */
export function walkFire(config: { threshold: number; minShare: number }): FireCondition {
  return {
    atLeast: [],
    ratio: { num: 0, den: 1, ratio: config.minShare, minDen: 0, minNum: config.threshold },
  };
}

/** The sequence observation of the event's numeric id (the rule's match made sure of one). */
export function walkObservation(
  event: NormalizedEvent,
  key: WindowKey,
  window: WindowShape,
  { maxGap, recentIds, closeAmong }: { maxGap: number; recentIds: number; closeAmong?: number },
): Observation {
  const id = event.numericId!;
  const among = Math.min(closeAmong ?? recentIds, recentIds);
  return { kind: 'sequence', key, ts: event.ts, window, id, maxGap, recentIds, closeAmong: among };
}

export const enumerationConfig = z
  .object({ kind: z.literal('enumeration'), ...walkFields({ maxGap: 32, minShare: 0.3 }) })
  .strict();
export type EnumerationConfig = z.infer<typeof enumerationConfig>;

export const compileEnumeration: CompileDetector<EnumerationConfig> = (config, { window }) => {
  const { maxGap } = config;
  return {
    needs: { numericId: true, objectId: false },
    // Figures: close ids, new ids.
    fire: walkFire(config),
    // The id space, not the route: `/api/user?id=:id` walks with `/api/user/:id`.
    windowKey: (event, { rule, scope, subject }) =>
      windowKey(rule, scope, subject, idSpaceRoute(event.route)),
    observe: (event, key) => walkObservation(event, key, window, config),
    describe: (reading, key) => {
      const [closeIds = 0, newIds = 0] = reading;
      return {
        figures: {
          sequentialIds: closeIds,
          newIds,
          threshold: config.threshold,
          minShare: config.minShare,
          maxGap,
          route: key.route ?? '',
          windowSeconds: window.windowMs / 1000,
        },
        reason: `${closeIds} sequential ids on ${key.route ?? '?'} in ${formatDuration(window.windowMs)}`,
      };
    },
  };
};
