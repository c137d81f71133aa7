// The reference the stores are held to: the in-memory window store as it was before
// issue 16 (at c26d7fa), with its own window arithmetic (bucket rings, a bitmap per
// ring slot, the union counted afresh on every reading). The shipped stores both work
// their windows with src/window/flat-window.ts; this keeps a second, independent
// implementation of the same readings, so the differential tests
// (src/window/memory-store-differential.test.ts, test/integration/store-differential.test.ts)
// can catch a mistake in that shared arithmetic. Slow on purpose, and without the
// sweep and the memory cap, which change no reading: written to be read.
import { BucketRing } from './reference-bucket-ring.js';
import { firesOn, linearCountEstimate } from '../../src/window/arithmetic.js';
import {
  claim,
  liftActor,
  snapshotOf,
  type ActorSnapshot,
  type OffenceEntry,
} from '../../src/window/memory-actor.js';
import {
  EVERY_RULE,
  pendingId,
  type ApplyResult,
  type LiftRequest,
  type CounterObservation,
  type DistinctObservation,
  type Observation,
  type PendingLockout,
  type Reading,
  type SequenceObservation,
  type Step,
  type StepResult,
  type WindowKey,
  type WindowStore,
} from '../../src/window/store.js';

interface SequenceState {
  readonly ring: BucketRing;
  recent: number[];
}

interface DistinctState {
  readonly ring: BucketRing;
  /** One bitmap per ring slot, with the bucket index it holds. */
  readonly bitmaps: Uint8Array[];
  readonly bitmapBuckets: number[];
}

type State = BucketRing | SequenceState | DistinctState;

interface WindowEntry {
  readonly state: State;
}

/**
 * Everything kept for one actor. Looked up by scope, then subject: the event's own
 * strings, whose hashes V8 caches, instead of a key concatenated (and hashed) anew
 * for every observation — that lookup was the largest cost of a replay.
 */
interface ActorState {
  /** rule → route ('' for detectors that do not split by route) → window. */
  readonly windows: Map<string, Map<string, WindowEntry>>;
  readonly offences: Map<string, OffenceEntry>;
  /** Highest offset applied per stream. */
  positions?: Map<string, number>;
  /** Granted lockouts not yet confirmed, by pending id. */
  pending?: Map<string, PendingLockout>;
}

export class ReferenceWindowStore implements WindowStore {
  private readonly actors = new Map<string, Map<string, ActorState>>();

  async apply(steps: readonly Step[]): Promise<ApplyResult> {
    const before = new Map<ActorState, ActorSnapshot>();
    const results = steps.map((step) => {
      const actor = this.actor(step.observation.key);
      let snapshot = before.get(actor);
      if (!snapshot) {
        snapshot = snapshotOf(actor);
        before.set(actor, snapshot);
      }
      return this.applyStep(step, actor, snapshot);
    });
    const recovered = [...before.values()].flatMap((snapshot) => snapshot.pending);
    return { results, recovered };
  }

  async confirm(lockouts: readonly PendingLockout[]): Promise<void> {
    for (const lockout of lockouts) this.actor(lockout.key).pending?.delete(pendingId(lockout));
  }

  async lift(request: LiftRequest): Promise<void> {
    // A subject never seen gets an actor for the grace marker alone: a manual lockout's
    // subject may never have been seen, and its grace must hold all the same.
    const actor = this.actor({ ...request, rule: EVERY_RULE });
    // Every window, whatever rules are named (memory-actor.ts liftActor).
    actor.windows.clear();
    liftActor(actor, request);
  }

  async close(): Promise<void> {
    this.actors.clear();
  }

  private actor(key: WindowKey): ActorState {
    let subjects = this.actors.get(key.scope);
    if (!subjects) {
      subjects = new Map();
      this.actors.set(key.scope, subjects);
    }
    let actor = subjects.get(key.subject);
    if (!actor) {
      actor = { windows: new Map(), offences: new Map() };
      subjects.set(key.subject, actor);
    }
    return actor;
  }

  private applyStep(step: Step, actor: ActorState, before: ActorSnapshot): StepResult {
    const { observation, position } = step;
    if (position) {
      const applied = before.positions?.get(position.stream);
      if (applied !== undefined && position.offset <= applied) {
        return { reading: peek(actor, observation), applied: false };
      }
      actor.positions ??= new Map();
      const highest = actor.positions.get(position.stream) ?? -1;
      actor.positions.set(position.stream, Math.max(position.offset, highest));
    }
    const reading = this.observeOne(actor, observation);
    if (!firesOn(step.fire, reading)) return { reading, applied: true };
    return { reading, applied: true, claim: claim(actor, step, reading) };
  }

  private observeOne(actor: ActorState, observation: Observation): Reading {
    const { rule, route = '' } = observation.key;
    let routes = actor.windows.get(rule);
    if (!routes) {
      routes = new Map();
      actor.windows.set(rule, routes);
    }
    let entry = routes.get(route);
    if (entry && ringOf(entry.state).wouldExpire(observation.ts)) entry = undefined;
    if (!entry) {
      entry = { state: newState(observation) };
      routes.set(route, entry);
    }
    return applyObservation(entry.state, observation);
  }
}

/** The current reading of a window without changing it (for a redelivered record). */
function peek(actor: ActorState, observation: Observation): Reading {
  const entry = actor.windows.get(observation.key.rule)?.get(observation.key.route ?? '');
  if (!entry || ringOf(entry.state).wouldExpire(observation.ts)) return zeroReading(observation);
  return readState(entry.state, observation);
}

function zeroReading(observation: Observation): Reading {
  if (observation.kind === 'counter') return observation.add.map(() => 0);
  return observation.kind === 'sequence' ? [0, 0, 0] : [0];
}

function ringOf(state: State): BucketRing {
  return state instanceof BucketRing ? state : state.ring;
}

function newState(observation: Observation): State {
  switch (observation.kind) {
    case 'counter':
      return new BucketRing(observation.window, observation.add.length);
    case 'sequence':
      return { ring: new BucketRing(observation.window, 2), recent: [] };
    case 'distinct': {
      const ring = new BucketRing(observation.window, 0);
      const slots = Math.ceil(observation.window.windowMs / observation.window.bucketMs);
      const bytes = Math.ceil(observation.bits / 8);
      return {
        ring,
        bitmaps: Array.from({ length: slots }, () => new Uint8Array(bytes)),
        bitmapBuckets: new Array<number>(slots).fill(Number.NEGATIVE_INFINITY),
      };
    }
  }
}

function applyObservation(state: State, observation: Observation): Reading {
  switch (observation.kind) {
    case 'counter':
      return applyCounter(state as BucketRing, observation);
    case 'sequence':
      return applySequence(state as SequenceState, observation);
    case 'distinct':
      return applyDistinct(state as DistinctState, observation);
  }
}

function applyCounter(ring: BucketRing, observation: CounterObservation): Reading {
  const { bucket, live } = ring.advance(observation.ts);
  if (live) observation.add.forEach((amount, figure) => ring.add(bucket, figure, amount));
  return ring.sums();
}

function applySequence(state: SequenceState, observation: SequenceObservation): Reading {
  const { bucket, live } = state.ring.advance(observation.ts);
  let close = false;
  // Only the last `recentIds` are recent: a list kept by a rule that kept more (before a
  // reload lowered it) loses its oldest (the Redis store reads it the same way).
  if (state.recent.length > observation.recentIds) {
    state.recent.splice(0, state.recent.length - observation.recentIds);
  }
  // A repeat of a recent id fetches no new record: it counts in neither figure, so
  // repeats cannot dilute the share of close ids (issue 9, item 1).
  const at = live ? state.recent.indexOf(observation.id) : -1;
  // A repeat moves its id to the newest end: ids read again and again (a popular
  // listing) stay recent, so they never come back counted as new and close.
  if (at >= 0) {
    state.recent.splice(at, 1);
    state.recent.push(observation.id);
  }
  if (live && at < 0) {
    close = closeAmongRecent(state.recent, observation, false);
    state.recent.push(observation.id);
    if (state.recent.length > observation.recentIds) state.recent.shift();
    state.ring.add(bucket, 1, 1);
    if (close) state.ring.add(bucket, 0, 1);
  }
  return [...state.ring.sums(), close ? 1 : 0];
}

/**
 * Whether the observation's id is within its gap of one of the last `closeAmong` recent
 * ids (all of them by default); `othersOnly` leaves its own id out (a redelivery's peek).
 * flat-window.ts, the same rule.
 */
function closeAmongRecent(
  recent: readonly number[],
  { id, maxGap, closeAmong }: SequenceObservation,
  othersOnly: boolean,
): boolean {
  const from = closeAmong === undefined ? 0 : Math.max(0, recent.length - closeAmong);
  for (let i = from; i < recent.length; i += 1) {
    const other = recent[i]!;
    if (othersOnly && other === id) continue;
    if (Math.abs(other - id) <= maxGap) return true;
  }
  return false;
}

function applyDistinct(state: DistinctState, observation: DistinctObservation): Reading {
  const { bucket, live } = state.ring.advance(observation.ts);
  const slots = state.bitmaps.length;
  if (live) {
    const slot = ((bucket % slots) + slots) % slots;
    if (state.bitmapBuckets[slot] !== bucket) {
      state.bitmapBuckets[slot] = bucket;
      state.bitmaps[slot]!.fill(0);
    }
    state.bitmaps[slot]![observation.bit >> 3]! |= 1 << (observation.bit & 7);
  }
  return distinctReading(state, observation.bits);
}

/** The estimate over the union of the live buckets' bitmaps. */
function distinctReading(state: DistinctState, bits: number): Reading {
  const slots = state.bitmaps.length;
  const oldest = state.ring.head - slots + 1;
  let bitsSet = 0;
  const bytes = state.bitmaps[0]!.length;
  for (let byte = 0; byte < bytes; byte += 1) {
    let union = 0;
    for (let slot = 0; slot < slots; slot += 1) {
      if (state.bitmapBuckets[slot]! >= oldest) union |= state.bitmaps[slot]![byte]!;
    }
    bitsSet += popcount8(union);
  }
  return [linearCountEstimate(bitsSet, bits)];
}

/** A state's reading as it stands, changing nothing. */
function readState(state: State, observation: Observation): Reading {
  if (observation.kind === 'distinct')
    return distinctReading(state as DistinctState, observation.bits);
  // A redelivered step's third figure: whether its id sits among the recent ids now
  // (other than itself), so a route's participant that a crash left unlocked is locked
  // when its record comes again (flat-window.ts, the same rule).
  if (observation.kind === 'sequence') {
    const close = closeAmongRecent((state as SequenceState).recent, observation, true);
    return [...ringOf(state).sums(), close ? 1 : 0];
  }
  return ringOf(state).sums();
}

function popcount8(byte: number): number {
  let count = 0;
  for (let value = byte; value !== 0; value &= value - 1) count += 1;
  return count;
}
