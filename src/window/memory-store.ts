// The in-memory window store: for replay, rule tests and unit tests. One process,
// no sharing; state of actors whose windows have passed is swept as event time moves.
import { BucketRing } from './bucket-ring.js';
import {
  decideClaim,
  linearCountEstimate,
  offenceRetentionMs,
  type OffenceState,
} from './rules-of-time.js';
import type {
  ClaimResult,
  CounterObservation,
  DistinctObservation,
  LockoutClaim,
  Observation,
  Reading,
  SequenceObservation,
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
  private newestTs = Number.NEGATIVE_INFINITY;
  private sinceSweep = 0;

  async observe(observations: readonly Observation[]): Promise<Reading[]> {
    return observations.map((observation) => this.observeOne(observation));
  }

  async claimLockouts(claims: readonly LockoutClaim[]): Promise<ClaimResult[]> {
    return claims.map((claim) => {
      const key = `${claim.rule}\u0000${claim.scope}\u0000${claim.subject}`;
      const entry = this.offences.get(key);
      const current = entry && entry.expiresAt > claim.ts ? entry.state : undefined;
      const { result, state } = decideClaim(claim, current);
      if (result.granted) {
        this.offences.set(key, {
          state,
          expiresAt: claim.ts + offenceRetentionMs(claim, result.ttlMs),
        });
      }
      return result;
    });
  }

  async close(): Promise<void> {
    this.windows.clear();
    this.offences.clear();
  }

  /** Actors × rules with live window state: for tests and memory figures. */
  get trackedWindows(): number {
    return this.windows.size;
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

function ringOf(state: State): BucketRing {
  return state instanceof BucketRing ? state : state.ring;
}

function newState(observation: Observation): State {
  switch (observation.kind) {
    case 'counter':
      return new BucketRing(observation.window, observation.add.length);
    case 'sequence':
      return { ring: new BucketRing(observation.window, 1), recent: [] };
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
  return [linearCountEstimate(bitsSet, observation.bits)];
}

function popcount8(byte: number): number {
  let count = 0;
  for (let value = byte; value !== 0; value &= value - 1) count += 1;
  return count;
}
