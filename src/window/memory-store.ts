// The in-memory window store: for replay, rule tests and unit tests. One process,
// no sharing; state of actors whose windows have passed is swept as event time moves.
import { BucketRing } from './bucket-ring.js';
import {
  decideClaim,
  firesOn,
  linearCountEstimate,
  offenceRetentionMs,
  type OffenceState,
} from './rules-of-time.js';
import type {
  ApplyResult,
  ClaimResult,
  CounterObservation,
  DistinctObservation,
  Observation,
  PendingLockout,
  Reading,
  SequenceObservation,
  Step,
  StepResult,
  WindowKey,
  WindowStore,
} from './store.js';

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

const SWEEP_EVERY = 50_000;

function keyText(key: WindowKey): string {
  return `${key.rule}\u0000${key.scope}\u0000${key.subject}\u0000${key.route ?? ''}`;
}

export class MemoryWindowStore implements WindowStore {
  private readonly windows = new Map<string, { state: State; expiresAt: number }>();
  private readonly offences = new Map<string, { state: OffenceState; expiresAt: number }>();
  /** Per actor: highest offset applied per stream. */
  private readonly positions = new Map<string, Map<string, number>>();
  /** Per actor: granted lockouts not yet confirmed. */
  private readonly pending = new Map<string, Map<string, PendingLockout>>();
  private newestTs = Number.NEGATIVE_INFINITY;
  private sinceSweep = 0;

  async apply(steps: readonly Step[]): Promise<ApplyResult> {
    const before = this.snapshotActors(steps);
    const results = steps.map((step) =>
      this.applyStep(step, before.get(actorOf(step.observation.key))),
    );
    const recovered = [...before.values()].flatMap((actor) => actor.pending);
    return { results, recovered };
  }

  async confirm(lockouts: readonly PendingLockout[]): Promise<void> {
    for (const lockout of lockouts)
      this.pending.get(actorOf(lockout.key))?.delete(pendingId(lockout));
  }

  async close(): Promise<void> {
    this.windows.clear();
    this.offences.clear();
    this.positions.clear();
    this.pending.clear();
  }

  /** Actors × rules with live window state: for tests and memory figures. */
  get trackedWindows(): number {
    return this.windows.size;
  }

  /** What the call starts from, per actor: applied positions and pending lockouts. */
  private snapshotActors(steps: readonly Step[]) {
    const actors = new Map<
      string,
      { positions?: Map<string, number>; pending: PendingLockout[] }
    >();
    for (const step of steps) {
      const actor = actorOf(step.observation.key);
      if (actors.has(actor)) continue;
      // Copies only of what exists: replay has no positions and rarely anything pending.
      const positions = this.positions.get(actor);
      const pending = this.pending.get(actor);
      actors.set(actor, {
        ...(positions && { positions: new Map(positions) }),
        pending: pending && pending.size > 0 ? [...pending.values()] : [],
      });
    }
    return actors;
  }

  private applyStep(
    step: Step,
    before: { positions?: Map<string, number> } | undefined,
  ): StepResult {
    const { observation, position } = step;
    const actor = actorOf(observation.key);
    if (position) {
      const applied = before?.positions?.get(position.stream);
      if (applied !== undefined && position.offset <= applied) {
        return { reading: this.peek(observation), applied: false };
      }
      const positions = this.positions.get(actor) ?? new Map<string, number>();
      positions.set(
        position.stream,
        Math.max(position.offset, positions.get(position.stream) ?? -1),
      );
      this.positions.set(actor, positions);
    }
    const reading = this.observeOne(observation);
    if (!firesOn(step.fire, reading)) return { reading, applied: true };
    return { reading, applied: true, claim: this.claim(step, reading) };
  }

  private claim(step: Step, reading: Reading): ClaimResult {
    const { key, ts } = step.observation;
    const offenceKey = `${key.rule}\u0000${key.scope}\u0000${key.subject}`;
    const entry = this.offences.get(offenceKey);
    const current = entry && entry.expiresAt > ts ? entry.state : undefined;
    const { result, state } = decideClaim(step.lockout, ts, current);
    if (!result.granted) return result;
    this.offences.set(offenceKey, {
      state,
      expiresAt: ts + offenceRetentionMs(step.lockout, result.ttlMs),
    });
    const lockout: PendingLockout = {
      key,
      eventTs: ts,
      offence: result.offence,
      ttlMs: result.ttlMs,
      reading,
      ...(step.position && { position: step.position }),
    };
    const actor = actorOf(key);
    const pending = this.pending.get(actor) ?? new Map<string, PendingLockout>();
    pending.set(pendingId(lockout), lockout);
    this.pending.set(actor, pending);
    return result;
  }

  /** The current reading of a key without changing it (for a redelivered record). */
  private peek(observation: Observation): Reading {
    const entry = this.windows.get(keyText(observation.key));
    if (!entry || ringOf(entry.state).wouldExpire(observation.ts)) return zeroReading(observation);
    return readState(entry.state, observation);
  }

  private observeOne(observation: Observation): Reading {
    this.maybeSweep(observation.ts);
    const key = keyText(observation.key);
    let entry = this.windows.get(key);
    if (entry && ringOf(entry.state).wouldExpire(observation.ts)) entry = undefined;
    if (!entry) {
      entry = { state: newState(observation), expiresAt: 0 };
      this.windows.set(key, entry);
    }
    const reading = applyObservation(entry.state, observation);
    const ring = ringOf(entry.state);
    entry.expiresAt = (ring.head + 1) * ring.shape.bucketMs + ring.shape.windowMs;
    return reading;
  }

  private maybeSweep(ts: number): void {
    if (ts > this.newestTs) this.newestTs = ts;
    this.sinceSweep += 1;
    if (this.sinceSweep < SWEEP_EVERY) return;
    this.sinceSweep = 0;
    for (const [key, entry] of this.windows)
      if (entry.expiresAt <= this.newestTs) this.windows.delete(key);
    for (const [key, entry] of this.offences)
      if (entry.expiresAt <= this.newestTs) this.offences.delete(key);
  }
}

function actorOf(key: WindowKey): string {
  return `${key.scope}\u0000${key.subject}`;
}

/** Identifies a pending lockout within its actor (the same fields as the lockout id). */
export function pendingId(lockout: PendingLockout): string {
  return `${lockout.key.rule}|${lockout.eventTs}|${lockout.offence}`;
}

function zeroReading(observation: Observation): Reading {
  if (observation.kind === 'counter') return observation.add.map(() => 0);
  return observation.kind === 'sequence' ? [0, 0] : [0];
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
  if (live) state.ring.add(bucket, 1, 1);
  if (live && !state.recent.includes(observation.id)) {
    const close = state.recent.some((id) => Math.abs(id - observation.id) <= observation.maxGap);
    state.recent.push(observation.id);
    if (state.recent.length > observation.recentIds) state.recent.shift();
    if (close) state.ring.add(bucket, 0, 1);
  }
  return state.ring.sums();
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
  return ringOf(state).sums();
}

function popcount8(byte: number): number {
  let count = 0;
  for (let value = byte; value !== 0; value &= value - 1) count += 1;
  return count;
}
