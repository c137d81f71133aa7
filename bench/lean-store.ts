// A prototype of the in-memory window store with the same readings and claims as
// src/window/memory-store.ts from 638d6de to 1d1661b (apply/confirm interface, sequence
// readings [close ids, requests]; replay only: no record positions), laid out for a
// 1,000,000-line replay instead of a unit test:
//  - state in plain arrays, one typed array at most per window (the memory store
//    makes 2 per ring and 12 more per distinct window: 1.7 M typed arrays in the bench);
//  - a distinct window keeps the union of its live bitmaps and the count of its bits,
//    recomputed only when a bucket with bits leaves the window, not on every reading;
//  - no `{ bucket, live }` object per observation;
//  - an expired window is reset in place, not replaced (37 % of the bench's
//    observations found their window expired: 1.8 M windows made for 0.64 M kept);
//  - expired windows swept when the count of windows has doubled since the last
//    sweep (amortised O(1) per window made, memory at most twice the live windows),
//    instead of a scan of the whole map every 50,000 observations;
//  - windows in nested maps, (rule, scope) → subject → route, so a lookup hashes the
//    subject and route strings the event already holds (V8 caches a string's hash)
//    instead of a new 60-character key per observation (2.0 → 0.7 µs a lookup in a
//    1.6 M-window micro-benchmark; the memory store does the same since 8bf5d1f).
// The time arithmetic and the claim decision are the project's own (window/arithmetic.js
// and decide/policy.js of the build measured; rules-of-time.js before issue 10), passed in. bench/stage-runs.ts checks that both stores give
// the same readings and claims on the bench log ("lean-check").
import {
  newWindow,
  rebuildUnion,
  resetWindow,
  type Key,
  type Observation,
  type Reading,
  type Window,
} from './lean-window.js';

interface Step {
  readonly observation: Observation;
  readonly fire: unknown;
  readonly lockout: unknown;
  readonly position?: unknown;
}
interface Claim {
  readonly granted: boolean;
  readonly offence: number;
  readonly ttlMs: number;
}
interface OffenceState {
  readonly lockedUntil: number;
}
interface Pending {
  readonly key: Key;
  readonly eventTs: number;
  readonly offence: number;
}

/** The functions of src/window/arithmetic.ts and src/decide/policy.ts the store needs. */
export interface TimeRules {
  linearCountEstimate(bitsSet: number, bits: number): number;
  firesOn(condition: unknown, reading: Reading): boolean;
  decideClaim(
    policy: unknown,
    ts: number,
    state: OffenceState | undefined,
  ): { result: Claim; state: OffenceState };
  offenceRetentionMs(policy: unknown, ttlMs: number): number;
}

/** subject → window, or subject → route → window for keys with a route. */
type SubjectMap = Map<string, Window | Map<string, Window>>;

export class LeanWindowStore {
  /** rule → scope → subjects. */
  private readonly windows = new Map<string, Map<string, SubjectMap>>();
  private windowCount = 0;
  /** Windows made, renewals of expired ones included: for the bench's figures. */
  created = 0;
  renewed = 0;
  /** Sweep when windowCount reaches this (twice the survivors of the last sweep). */
  private sweepAt = 1024;
  private readonly offences = new Map<string, { state: OffenceState; expiresAt: number }>();
  private readonly pending = new Map<string, Pending>();
  private newestTs = Number.NEGATIVE_INFINITY;

  constructor(private readonly time: TimeRules) {}

  get trackedWindows(): number {
    return this.windowCount;
  }

  async apply(steps: readonly Step[]) {
    const recovered = this.pending.size > 0 ? this.recoveredFor(steps) : [];
    const results = steps.map((step) => {
      if (step.position !== undefined) throw new Error('lean store prototype: replay only');
      const reading = this.observe(step.observation);
      if (!this.time.firesOn(step.fire, reading)) return { reading, applied: true };
      return { reading, applied: true, claim: this.claim(step, reading) };
    });
    return { results, recovered };
  }

  async confirm(lockouts: readonly Pending[]): Promise<void> {
    for (const lockout of lockouts) this.pending.delete(pendingId(lockout));
  }

  async close(): Promise<void> {
    this.windows.clear();
    this.offences.clear();
    this.pending.clear();
  }

  private recoveredFor(steps: readonly Step[]): Pending[] {
    const actors = new Set(
      steps.map((s) => `${s.observation.key.scope}\u0000${s.observation.key.subject}`),
    );
    return [...this.pending.values()].filter((p) =>
      actors.has(`${p.key.scope}\u0000${p.key.subject}`),
    );
  }

  private claim(step: Step, reading: Reading): Claim {
    const { key, ts } = step.observation;
    const offenceKey = `${key.rule}\u0000${key.scope}\u0000${key.subject}`;
    const entry = this.offences.get(offenceKey);
    const current = entry && entry.expiresAt > ts ? entry.state : undefined;
    const { result, state } = this.time.decideClaim(step.lockout, ts, current);
    if (!result.granted) return result;
    this.offences.set(offenceKey, {
      state,
      expiresAt: ts + this.time.offenceRetentionMs(step.lockout, result.ttlMs),
    });
    const lockout = { key, eventTs: ts, offence: result.offence, ttlMs: result.ttlMs, reading };
    this.pending.set(pendingId(lockout), lockout);
    return result;
  }

  private subjectsOf(key: Key): SubjectMap {
    let byScope = this.windows.get(key.rule);
    if (!byScope) this.windows.set(key.rule, (byScope = new Map<string, SubjectMap>()));
    let subjects = byScope.get(key.scope);
    if (!subjects) {
      byScope.set(key.scope, (subjects = new Map<string, Window | Map<string, Window>>()));
    }
    return subjects;
  }

  private observe(o: Observation): Reading {
    if (o.ts > this.newestTs) this.newestTs = o.ts;
    if (this.windowCount >= this.sweepAt) this.sweep();
    const subjects = this.subjectsOf(o.key);
    const route = o.key.route;
    let routes: Map<string, Window> | undefined;
    let w: Window | undefined;
    if (route === undefined) w = subjects.get(o.key.subject) as Window | undefined;
    else {
      routes = subjects.get(o.key.subject) as Map<string, Window> | undefined;
      if (!routes) subjects.set(o.key.subject, (routes = new Map<string, Window>()));
      w = routes.get(route);
    }
    const bucket = Math.floor(o.ts / o.window.bucketMs);
    if (w === undefined) {
      this.created += 1;
      w = newWindow(o);
      if (routes) routes.set(route!, w);
      else subjects.set(o.key.subject, w);
      this.windowCount += 1;
    } else if (bucket - w.head >= w.slots) {
      this.renewed += 1;
      resetWindow(w);
    }
    if (bucket > w.head) w.head = bucket;
    const live = bucket > w.head - w.slots;
    w.expiresAt = (w.head + 1) * w.bucketMs + w.windowMs;
    switch (o.kind) {
      case 'counter':
        if (live) for (let f = 0; f < o.add.length; f += 1) w.ring!.add(bucket, f, o.add[f]!);
        return w.ring!.sums(w.head);
      case 'sequence':
        return this.sequence(w, o, bucket, live);
      case 'distinct':
        return this.distinct(w, o, bucket, live);
    }
  }

  private sequence(
    w: Window,
    o: Extract<Observation, { kind: 'sequence' }>,
    bucket: number,
    live: boolean,
  ): Reading {
    const recent = w.recent!;
    if (live) w.ring!.add(bucket, 1, 1);
    if (live && !recent.includes(o.id)) {
      let close = false;
      for (const id of recent) if (Math.abs(id - o.id) <= o.maxGap) close = true;
      recent.push(o.id);
      if (recent.length > o.recentIds) recent.shift();
      if (close) w.ring!.add(bucket, 0, 1);
    }
    return w.ring!.sums(w.head);
  }

  private distinct(
    w: Window,
    o: Extract<Observation, { kind: 'distinct' }>,
    bucket: number,
    live: boolean,
  ): Reading {
    const maps = w.bitmaps!;
    const buckets = w.bitmapBuckets!;
    const words = maps.length / (w.slots + 1);
    const union = w.slots * words;
    const oldest = w.head - w.slots + 1;
    // A bucket with bits left the window since the union was made: make it again.
    if (oldest > w.unionOldest) {
      if (buckets.some((b) => b >= w.unionOldest && b < oldest)) rebuildUnion(w, oldest);
      w.unionOldest = oldest;
    }
    if (live) {
      const slot = ((bucket % w.slots) + w.slots) % w.slots;
      if (buckets[slot] !== bucket) {
        buckets[slot] = bucket;
        maps.fill(0, slot * words, (slot + 1) * words);
      }
      const word = o.bit >>> 5;
      const mask = 1 << (o.bit & 31);
      maps[slot * words + word]! |= mask;
      if ((maps[union + word]! & mask) === 0) {
        maps[union + word]! |= mask;
        w.unionBits += 1;
      }
    }
    return [this.time.linearCountEstimate(w.unionBits, o.bits)];
  }

  /** Forgets every expired window; the next sweep waits until the count has doubled. */
  private sweep(): void {
    const expired = (w: Window) => w.expiresAt <= this.newestTs;
    for (const byScope of this.windows.values()) {
      for (const subjects of byScope.values()) {
        for (const [subject, entry] of subjects) {
          if (entry instanceof Map) {
            for (const [route, w] of entry) if (expired(w)) entry.delete(route);
            if (entry.size === 0) subjects.delete(subject);
          } else if (expired(entry)) subjects.delete(subject);
        }
      }
    }
    this.windowCount = 0;
    for (const byScope of this.windows.values())
      for (const subjects of byScope.values())
        for (const entry of subjects.values())
          this.windowCount += entry instanceof Map ? entry.size : 1;
    this.sweepAt = Math.max(1024, 2 * this.windowCount);
    this.sweepOffences();
  }

  private sweepOffences(): void {
    for (const [key, entry] of this.offences)
      if (entry.expiresAt <= this.newestTs) this.offences.delete(key);
  }
}

function pendingId(lockout: Pending): string {
  return `${lockout.key.rule}|${lockout.eventTs}|${lockout.offence}`;
}
