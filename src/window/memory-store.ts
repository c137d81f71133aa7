// The in-memory window store: for replay, rule tests and unit tests. One process,
// no sharing; expired state is swept as event time moves, and above a cap on live
// windows the least recently seen actors are evicted (eviction.ts): bounded memory.
//
// A window is the flat array the Redis store's values keep (flat-window.ts), worked on
// by the same arithmetic: one small array per window holding only its live buckets,
// where the store had two typed arrays per ring (and twelve bitmaps per distinct
// window) made anew whenever a window expired. test/support/reference-memory-store.ts
// keeps the previous arithmetic, as independent code, for the differential tests.
import * as eviction from './eviction.js';
import { firesOn } from './arithmetic.js';
import {
  applyToWindow,
  H,
  newWindow,
  peekWindow,
  resetWindow,
  wouldExpire,
  type Window,
  type WindowSpec,
} from './flat-window.js';
import {
  claim,
  liftActor,
  NOTHING_BEFORE,
  snapshotOf,
  type ActorSnapshot,
  type OffenceEntry,
} from './memory-actor.js';
import {
  EVERY_RULE,
  pendingId,
  type ApplyResult,
  type LiftRequest,
  type Observation,
  type PendingLockout,
  type Reading,
  type Step,
  type StepResult,
  type WindowKey,
  type WindowStore,
} from './store.js';

/** No sweep below this many windows; above it, a sweep each time the count doubles. */
const SWEEP_FLOOR = 50_000;

/**
 * One rule's windows of one actor, by route ('' for a rule that does not split by route):
 * flat-window.ts arrays, whose bitmaps are the store's own (set in place), with the shape
 * their steps measure them by (one spec object per rule, shared by every actor, unless
 * the rule is reloaded with another shape: then every route's window is read by the new
 * shape, as the Redis store does). No object per window besides its arrays, and no Map
 * for the first route: most actors use one route of a rule, and a replay keeps some
 * 770,000 windows, which the collector marks again and again (a Map per actor and rule
 * was ~40 % of the store's heap: its hash table ~180 B, the spec per actor ~70 B).
 */
class RuleWindows {
  /** The first route's window, while it lives. */
  private route = '';
  private window: Window | undefined;
  /** The other routes' windows (a rule split by route), made for the second route. */
  private more: Map<string, Window> | undefined;

  constructor(public spec: WindowSpec) {}

  get size(): number {
    return (this.window === undefined ? 0 : 1) + (this.more?.size ?? 0);
  }

  get(route: string): Window | undefined {
    return route === this.route ? this.window : this.more?.get(route);
  }

  /** Only for a route that has no window yet. */
  add(route: string, window: Window): void {
    if (this.window === undefined) {
      this.route = route;
      this.window = window;
    } else {
      (this.more ??= new Map()).set(route, window);
    }
  }

  *values(): IterableIterator<Window> {
    if (this.window !== undefined) yield this.window;
    if (this.more) yield* this.more.values();
  }

  /** Drops the windows whose last bucket has left them by event time `now`. */
  dropExpired(now: number): void {
    const { bucketMs, windowMs } = this.spec;
    // Its newest bucket's end, plus the window: no bucket of it is live after that.
    const expired = (window: Window) => ((window[H] as number) + 1) * bucketMs + windowMs <= now;
    if (this.more) {
      for (const [route, window] of this.more) if (expired(window)) this.more.delete(route);
    }
    if (this.window !== undefined && expired(this.window)) {
      this.window = undefined;
      // Another route, if any, takes the first place (so `get` finds it there).
      const next = this.more?.entries().next();
      if (next && !next.done) {
        [this.route, this.window] = next.value;
        this.more!.delete(this.route);
      }
    }
    if (this.more?.size === 0) this.more = undefined;
  }
}

/**
 * Everything kept for one actor. Looked up by scope, then subject: the event's own
 * strings, whose hashes V8 caches, instead of a key concatenated (and hashed) anew
 * for every observation — that lookup was the largest cost of a replay.
 */
interface ActorState {
  /** rule → route ('' for detectors that do not split by route) → window. */
  readonly windows: Map<string, RuleWindows>;
  offences?: Map<string, OffenceEntry>;
  /** Highest offset applied per stream. */
  positions?: Map<string, number>;
  /** Granted lockouts not yet confirmed, by pending id. */
  pending?: Map<string, PendingLockout>;
  /** Newest event time observed: who is evicted first when the cap is reached. */
  lastSeen: number;
  /** Observations applied: breaks ties of lastSeen in eviction. */
  seen: number;
  /** The last batch that touched the actor, and what the actor held before it. */
  batch: number;
  before: ActorSnapshot;
}

export interface MemoryStoreOptions {
  /** Live windows kept at most, checked after each apply (see bound). */
  readonly maxWindows?: number;
  /** Sweep after every batch, not when the windows have doubled (tests: it loses nothing live). */
  readonly sweepEveryBatch?: boolean;
}

export class MemoryWindowStore implements WindowStore {
  private readonly actors = new Map<string, Map<string, ActorState>>();
  private newestTs = Number.NEGATIVE_INFINITY;
  /** Windows created since the last sweep, plus those the sweep kept: never fewer than live. */
  private windowCount = 0;
  private sweepAt = SWEEP_FLOOR;
  /** Batches applied: tells an actor's first step in a batch. */
  private batches = 0;
  /** Actors and windows evicted to stay under the cap (state lost, not expired). */
  readonly evicted = { actors: 0, windows: 0 };
  /** Each rule's window shape, one object shared by its actors' windows. */
  private readonly specs = new Map<string, WindowSpec>();

  constructor(private readonly options: MemoryStoreOptions = {}) {}

  async apply(steps: readonly Step[]): Promise<ApplyResult> {
    const batch = ++this.batches;
    const recovered: PendingLockout[] = [];
    const results: StepResult[] = new Array<StepResult>(steps.length);
    for (let i = 0; i < steps.length; i += 1) {
      const step = steps[i]!;
      const actor = this.actor(step.observation.key);
      if (step.observation.ts > actor.lastSeen) actor.lastSeen = step.observation.ts;
      actor.seen += 1;
      if (actor.batch !== batch) {
        // The actor's first step in this batch: what it held before (its pending
        // lockouts are recovered once; its positions tell redeliveries).
        actor.batch = batch;
        actor.before = snapshotOf(actor);
        for (const lockout of actor.before.pending) recovered.push(lockout);
      }
      results[i] = this.applyStep(step, actor, actor.before);
    }
    // Between batches, never inside one: a sweep inside found the window just made (no
    // expiry yet) and the actor just made (nothing in it yet) dead, and dropped the step.
    if (this.windowCount > (this.options.maxWindows ?? eviction.DEFAULT_MAX_WINDOWS)) this.bound();
    else if (this.windowCount >= this.sweepAt || this.options.sweepEveryBatch) this.sweep();
    return { results, recovered };
  }

  async confirm(lockouts: readonly PendingLockout[]): Promise<void> {
    for (const lockout of lockouts) this.actor(lockout.key).pending?.delete(pendingId(lockout));
  }

  async lift(request: LiftRequest): Promise<void> {
    // A subject never seen gets an actor for the grace marker alone: a manual lockout's
    // subject may never have been seen, and its grace must hold all the same.
    liftActor(this.actor({ ...request, rule: EVERY_RULE }), request);
  }

  async close(): Promise<void> {
    this.actors.clear();
  }

  /** Actors × rules (× routes) with live window state: for tests and memory figures. */
  get trackedWindows(): number {
    let count = 0;
    for (const subjects of this.actors.values()) {
      for (const actor of subjects.values()) count += eviction.windowCountOf(actor);
    }
    return count;
  }

  private actor(key: WindowKey): ActorState {
    let subjects = this.actors.get(key.scope);
    if (!subjects) {
      subjects = new Map();
      this.actors.set(key.scope, subjects);
    }
    let actor = subjects.get(key.subject);
    if (!actor) {
      actor = {
        windows: new Map(),
        lastSeen: -Infinity,
        seen: 0,
        batch: 0,
        before: NOTHING_BEFORE,
      };
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
    const { ts } = observation;
    if (ts > this.newestTs) this.newestTs = ts;
    const { rule, route = '' } = observation.key;
    let windows = actor.windows.get(rule);
    if (!windows) {
      windows = new RuleWindows(this.specFor(rule, observation));
      actor.windows.set(rule, windows);
    } else if (!sameShape(windows.spec, observation)) {
      windows.spec = this.specFor(rule, observation);
    }
    const spec = windows.spec;
    let window = windows.get(route);
    if (window === undefined) {
      window = newWindow(spec);
      windows.add(route, window);
      this.windowCount += 1;
    } else if (wouldExpire(window, spec, ts)) {
      // Past its time: emptied in place (a replay finds about a third of its windows so).
      resetWindow(window, spec);
    }
    return applyToWindow(window, spec, ts, valueOf(observation), true);
  }

  /** The rule's spec object if the observation has its shape; else a new one, kept for it. */
  private specFor(rule: string, observation: Observation): WindowSpec {
    const known = this.specs.get(rule);
    if (known && sameShape(known, observation)) return known;
    const spec = specOf(observation);
    this.specs.set(rule, spec);
    return spec;
  }

  /**
   * Drops what event time has passed. Run when the window count has doubled since the
   * last sweep, so its cost stays proportional to the windows created (a sweep every
   * 50,000 observations scanned every actor and was a quarter of a replay's time).
   */
  private sweep(): void {
    for (const subjects of this.actors.values()) {
      for (const [subject, actor] of subjects) {
        if (sweepActor(actor, this.newestTs)) subjects.delete(subject);
      }
    }
    this.windowCount = this.trackedWindows;
    this.sweepAt = Math.max(SWEEP_FLOOR, 2 * this.windowCount);
  }

  /**
   * Over the cap: sweep what has expired, then evict the least recently seen down to
   * 80 %. Run between batches, never inside one: a step's actor cannot vanish under it.
   */
  private bound(): void {
    this.sweep();
    const target = Math.floor(
      (this.options.maxWindows ?? eviction.DEFAULT_MAX_WINDOWS) * eviction.EVICT_TO,
    );
    if (this.windowCount <= target) return;
    this.windowCount -= eviction.evictLeastRecentlySeen(
      this.actors,
      this.windowCount - target,
      this.evicted,
    );
  }
}

/** Drops windows and offences whose time has passed; true when nothing is left. */
function sweepActor(actor: ActorState, now: number): boolean {
  for (const [rule, windows] of actor.windows) {
    windows.dropExpired(now);
    if (windows.size === 0) actor.windows.delete(rule);
  }
  for (const [rule, entry] of actor.offences ?? [])
    if (entry.expiresAt <= now) actor.offences!.delete(rule);
  return (
    actor.windows.size === 0 &&
    !actor.offences?.size &&
    !actor.positions?.size &&
    !actor.pending?.size
  );
}

/** The current reading of a window without changing it (for a redelivered record). */
function peek(actor: ActorState, observation: Observation): Reading {
  const windows = actor.windows.get(observation.key.rule);
  const spec = windows && sameShape(windows.spec, observation) ? windows.spec : specOf(observation);
  const window = windows?.get(observation.key.route ?? '');
  const live = window && !wouldExpire(window, spec, observation.ts) ? window : undefined;
  return peekWindow(live, spec, valueOf(observation));
}

/** What the observation adds: a counter's amounts, a sequence's id or a distinct value's bit. */
function valueOf(observation: Observation): number | readonly number[] {
  switch (observation.kind) {
    case 'counter':
      return observation.add;
    case 'sequence':
      return observation.id;
    case 'distinct':
      return observation.bit;
  }
}

/** The window's shape as flat-window.ts takes it (the Redis store's spec, less its lockout). */
function specOf(o: Observation): WindowSpec {
  const { windowMs, bucketMs } = o.window;
  switch (o.kind) {
    case 'counter':
      return { kind: 'c', windowMs, bucketMs, p1: o.add.length, p2: 0, p3: 0 };
    case 'sequence':
      return {
        kind: 's',
        windowMs,
        bucketMs,
        p1: o.maxGap,
        p2: o.recentIds,
        p3: o.closeAmong ?? 0,
      };
    case 'distinct':
      return { kind: 'd', windowMs, bucketMs, p1: o.bits, p2: 0, p3: 0 };
  }
}

/** Whether the spec is the observation's (checked per step: a spec is made per window, not per step). */
function sameShape(spec: WindowSpec, o: Observation): boolean {
  if (spec.windowMs !== o.window.windowMs || spec.bucketMs !== o.window.bucketMs) return false;
  switch (o.kind) {
    case 'counter':
      return spec.kind === 'c' && spec.p1 === o.add.length;
    case 'sequence':
      return (
        spec.kind === 's' &&
        spec.p1 === o.maxGap &&
        spec.p2 === o.recentIds &&
        spec.p3 === (o.closeAmong ?? 0)
      );
    case 'distinct':
      return spec.kind === 'd' && spec.p1 === o.bits;
  }
}
