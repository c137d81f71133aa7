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

/**
 * A detector whose window is a route's, not an actor's (sweep): fed events go into
 * the route's window (one step per event, owner `route`, never claiming), and an
 * event that joins a sweep the route's reading shows is followed by a step on its
 * actor's window, which claims the lockout (src/pipeline/follow-up.ts).
 */
export interface RouteFollowUp {
  readonly owner: 'route';
  /** Whether the event goes into the route's window at all. */
  feeds(event: NormalizedEvent): boolean;
  /** When the route's reading shows a sweep (the rule's `fire` is the participant's). */
  readonly sweepFire: FireCondition;
  /** The route's reading after this event: a sweep is on and this event is part of it. */
  joins(reading: Reading): boolean;
  /** The participant's observation, on its actor's window `key`. */
  participant(event: NormalizedEvent, routeReading: Reading, key: WindowKey): Observation;
}

/**
 * A detector fed by other rules' granted lockouts, never by events (lockedIdentities):
 * each lockout of a session or user is followed by a step on the address's window.
 */
export interface LockoutFollowUp {
  readonly owner: 'lockouts';
  /**
   * The observation of the triggering `event`'s lockout of `locked`, on the window
   * `base` (the rule's own actor: the event's address), or undefined when it says
   * nothing to this detector.
   */
  observeLockout(
    event: NormalizedEvent,
    locked: WindowKey,
    base: WindowKey,
  ): Observation | undefined;
  /**
   * The step of an event with a session or user on the address's count of identities
   * (`base`: the address; the window is told apart by its route, IDENTITIES), which
   * never fires itself: its reading sets the share `fireFor` asks of the locked ones.
   */
  observeIdentity(event: NormalizedEvent, base: WindowKey): Observation;
  /** The fire condition of a lockout's step, given the address's identities reading. */
  fireFor(identities: Reading | undefined): FireCondition;
}

/** The route name of an address's identities window (not a route template: no "/"). */
export const IDENTITIES = '#identities';

export interface CompiledDetector {
  /**
   * Absent for detectors of actors (one step per scope the event names); present for
   * those whose steps follow the batch's first store call (src/pipeline/follow-up.ts).
   */
  readonly followUp?: RouteFollowUp | LockoutFollowUp;
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
