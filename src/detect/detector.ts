// A detector kind owns its rule-file config (a zod schema) and compiles a rule's
// config once, at load, into a compiled detector: small closures over the figures
// it needs, so the per-event path reads no config and looks nothing up. The compiled
// detector turns a matched event into an observation of the actor's window, and the
// window's reading into a verdict. Pure: the window store does the counting.
import type { NormalizedEvent } from '../normalize/index.js';
import type {
  FireCondition,
  Observation,
  Reading,
  WindowKey,
  WindowShape,
} from '../window/store.js';
import type { DistinctHash } from './distinct-hash.js';

/** The figures a rule looked at, fired or not: evidence and `--explain`. */
export interface Verdict {
  readonly fired: boolean;
  readonly figures: Readonly<Record<string, number | string>>;
  /** One human sentence, e.g. "64 sequential ids on /api/users/:id in 10m". */
  readonly reason: string;
}

/** What a rule gives its detector at compile time besides the `detect:` config. */
export interface CompileContext {
  readonly window: WindowShape;
  /** Places values in breadth bitmaps: keyed by the detector's secret (or the built-in key). */
  readonly distinctHash: DistinctHash;
}

/** Event fields without which an event says nothing to the detector. */
export interface EventNeeds {
  /** Enumeration walks numeric ids. */
  readonly numericId: boolean;
  /** Breadth of objects counts object ids. */
  readonly objectId: boolean;
  /**
   * The detector's own test, run after the rule's match: events it refuses say
   * nothing to it and cost no window step (paging: no page past the first; volume
   * with `minBytes`: a small response). Absent: every matched event counts.
   */
  readonly accepts?: (event: NormalizedEvent) => boolean;
}

export interface CompiledDetector {
  /** The rule's match leaves out events that lack these. */
  readonly needs: EventNeeds;
  /** When a reading fires, as plain numbers: the store evaluates it atomically with the update. */
  readonly fire: FireCondition;
  /** Whose window the event goes into. Enumeration splits by route; others do not. */
  windowKey(event: NormalizedEvent, base: WindowKey): WindowKey;
  observe(event: NormalizedEvent, key: WindowKey): Observation;
  /** The figures and the sentence; built only when the rule fired or a trace is on. */
  describe(reading: Reading, key: WindowKey): Omit<Verdict, 'fired'>;
}

/** One kind's compile step, from its own config type. */
export type CompileDetector<C> = (config: C, context: CompileContext) => CompiledDetector;

export const NEEDS_NOTHING: EventNeeds = { numericId: false, objectId: false };

/** Counter detectors (volume, rate, error ratio) measure the actor as a whole. */
export function counterObservation(
  event: NormalizedEvent,
  window: WindowShape,
  key: WindowKey,
  add: readonly number[],
): Observation {
  return { kind: 'counter', key, ts: event.ts, window, add };
}

export function wholeActor(_event: NormalizedEvent, base: WindowKey): WindowKey {
  return base;
}
