// The in-memory window store: for replay, rule tests and unit tests. One process,
// no sharing; expired state is swept as event time moves, and above a cap on live
// windows the least recently seen actors are evicted (eviction.ts): bounded memory.
//
// A window is a slot of its shape's arena (window-arena.ts): counter and sequence
// windows are rings in Float64Array pages, no JavaScript object each, which the
// collector would copy and mark again and again (a replay keeps some 750,000 windows);
// distinct windows' rings hold bitmaps kept in blocks of Uint8Array pages
// (distinct-arena.ts). test/support/reference-memory-store.ts
// keeps the arithmetic as independent code, for the differential tests.
import * as eviction from './eviction.js';
import { firesOn } from './arithmetic.js';
import { peekWindow, wouldExpire as wouldExpireFlat, type WindowSpec } from './flat-window.js';
import {
  addWindow,
  dropExpired,
  freeAll,
  removeWindow,
  slotOf,
  windowCount,
  type ActorWindows,
  type ArenasByShape,
} from './actor-windows.js';
import { arenaFor, type WindowArena } from './window-arena.js';
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
 * Everything kept for one actor. Looked up by scope, then subject: the event's own
 * strings, whose hashes V8 caches, instead of a key concatenated (and hashed) anew
 * for every observation — that lookup was the largest cost of a replay.
 */
interface ActorState extends ActorWindows {
  // `windows`: each window's rule shape (its number in `shapes`), route ('' for detectors
  // that do not split by route) and slot, scanned by a step (actor-windows.ts), where a
  // Map per actor was hashed for every step.
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

/**
 * One scope's actors, and the last one a step found: an event's steps name the same
 * few actors rule after rule (its address, session and user), so a step finds its
 * actor here without the subject Map, whose hash table outgrows the CPU's caches and
 * whose lookup was the store's largest single cost (issue 16). Forgotten whenever
 * actors are dropped (sweep, eviction, close).
 */
interface ScopeActors {
  readonly bySubject: Map<string, ActorState>;
  lastSubject: string | undefined;
  last: ActorState | undefined;
}

/** One shape of a rule's windows: their arena, and their place in an actor's `windows`. */
interface RuleShape {
  readonly rule: string;
  readonly arena: WindowArena;
  readonly ordinal: number;
}

export interface MemoryStoreOptions {
  /** Live windows kept at most, checked after each apply (see bound). */
  readonly maxWindows?: number;
  /** Sweep after every batch, not when the windows have doubled (tests: it loses nothing live). */
  readonly sweepEveryBatch?: boolean;
}

export class MemoryWindowStore implements WindowStore {
  private readonly actors = new Map<string, ScopeActors>();
  private newestTs = Number.NEGATIVE_INFINITY;
  /** Windows created since the last sweep, plus those the sweep kept: never fewer than live. */
  private windowCount = 0;
  private sweepAt = SWEEP_FLOOR;
  /** Batches applied: tells an actor's first step in a batch. */
  private batches = 0;
  /** Actors and windows evicted to stay under the cap (state lost, not expired). */
  readonly evicted = { actors: 0, windows: 0 };
  /** Each rule's shapes: an arena for all its actors' windows of that shape. */
  private readonly shapes = new Map<string, RuleShape[]>();
  /** Every rule's shapes, by their place in an actor's `windows`. */
  private readonly shapesByOrdinal: RuleShape[] = [];

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
    const actor = this.actor({ ...request, rule: EVERY_RULE });
    // Every window, whatever rules are named (memory-actor.ts liftActor).
    freeAll(actor, this.shapesByOrdinal);
    liftActor(actor, request);
  }

  async close(): Promise<void> {
    this.actors.clear();
  }

  /** The actors by scope, then subject (what eviction walks). */
  private subjectMaps(): Map<string, Map<string, ActorState>> {
    const maps = new Map<string, Map<string, ActorState>>();
    for (const [scope, scoped] of this.actors) maps.set(scope, scoped.bySubject);
    return maps;
  }

  /** Actors were dropped: no scope's last actor may be one of them. */
  private forgetLastFound(): void {
    for (const scoped of this.actors.values()) {
      scoped.lastSubject = undefined;
      scoped.last = undefined;
    }
  }

  /** Actors × rules (× routes) with live window state: for tests and memory figures. */
  get trackedWindows(): number {
    let count = 0;
    for (const { bySubject } of this.actors.values()) {
      for (const actor of bySubject.values()) count += windowCount(actor);
    }
    return count;
  }

  private actor(key: WindowKey): ActorState {
    let scoped = this.actors.get(key.scope);
    if (!scoped) {
      scoped = { bySubject: new Map(), lastSubject: undefined, last: undefined };
      this.actors.set(key.scope, scoped);
    }
    const { subject } = key;
    if (scoped.lastSubject === subject) return scoped.last!;
    let actor = scoped.bySubject.get(subject);
    if (!actor) {
      actor = {
        windows: [],
        lastSeen: -Infinity,
        seen: 0,
        batch: 0,
        before: NOTHING_BEFORE,
      };
      scoped.bySubject.set(subject, actor);
    }
    scoped.lastSubject = subject;
    scoped.last = actor;
    return actor;
  }

  private applyStep(step: Step, actor: ActorState, before: ActorSnapshot): StepResult {
    const { observation, position } = step;
    if (position) {
      const applied = before.positions?.get(position.stream);
      if (applied !== undefined && position.offset <= applied)
        return { reading: this.peek(actor, observation), applied: false };
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
    const route = observation.key.route ?? '';
    const shape = this.shapeOf(observation);
    const { arena } = shape;
    let slot = slotOf(actor, shape.ordinal, route);
    let made = false;
    if (slot < 0) {
      slot = this.moveFromOtherShape(actor, shape, route);
      made = slot < 0;
      if (made) {
        slot = arena.alloc();
        this.windowCount += 1;
      }
      addWindow(actor, shape.ordinal, route, slot);
    }
    // Past its time: emptied in place (a replay finds about a third of its windows so).
    if (!made && arena.wouldExpire(slot, ts)) arena.reset(slot);
    return arena.apply(slot, ts, valueOf(observation));
  }

  /** The current reading of a window without changing it (for a redelivered record). */
  private peek(actor: ActorState, observation: Observation): Reading {
    const route = observation.key.route ?? '';
    const shape = this.shapeOf(observation);
    const { arena } = shape;
    const value = valueOf(observation);
    const slot = slotOf(actor, shape.ordinal, route);
    if (slot >= 0) return arena.peek(arena.wouldExpire(slot, observation.ts) ? -1 : slot, value);
    // A reloaded rule's window of its former shape, not yet used since: read by this one.
    const other = this.otherShapesWindow(actor, shape, route);
    if (!other) return arena.peek(-1, value);
    const window = other.shape.arena.toFlat(other.slot);
    const live = !wouldExpireFlat(window, arena.spec, observation.ts);
    return peekWindow(live ? window : undefined, arena.spec, value);
  }

  /**
   * The rule's shape that the observation measures by, made at its first step: a rule has
   * one per kind of window it keeps (hostile-address: an address's identities and its
   * locked ones, on routes of their own), and a reloaded rule one more for its new shape.
   */
  private shapeOf(observation: Observation): RuleShape {
    const { rule } = observation.key;
    let shapes = this.shapes.get(rule);
    if (shapes === undefined) {
      shapes = [];
      this.shapes.set(rule, shapes);
    }
    for (let i = 0; i < shapes.length; i += 1)
      if (sameShape(shapes[i]!.arena.spec, observation)) return shapes[i]!;
    const shape = {
      rule,
      arena: arenaFor(specOf(observation)),
      ordinal: this.shapesByOrdinal.length,
    };
    shapes.push(shape);
    this.shapesByOrdinal.push(shape);
    return shape;
  }

  /** The route's window in another shape of the rule (it was reloaded), if the actor has one. */
  private otherShapesWindow(actor: ActorState, shape: RuleShape, route: string) {
    const shapes = this.shapes.get(shape.rule)!;
    // Most rules have one shape: nothing to look for.
    if (shapes.length === 1) return undefined;
    for (const other of shapes) {
      const slot = other === shape ? -1 : slotOf(actor, other.ordinal, route);
      if (slot >= 0) return { shape: other, slot };
    }
    return undefined;
  }

  /**
   * The route's window of another shape of the rule moved to this one's arena, read by
   * this shape as the Redis store reads its value (a rule reloaded with another shape);
   * -1 when there is none. Only this route's: each window moves when it is next used.
   */
  private moveFromOtherShape(actor: ActorState, shape: RuleShape, route: string): number {
    const other = this.otherShapesWindow(actor, shape, route);
    if (!other) return -1;
    const moved = shape.arena.fromFlat(other.shape.arena.toFlat(other.slot));
    removeWindow(actor, other.shape.ordinal, route, other.shape.arena);
    return moved;
  }

  /**
   * Drops what event time has passed. Run when the window count has doubled since the
   * last sweep, so its cost stays proportional to the windows created (a sweep every
   * 50,000 observations scanned every actor and was a quarter of a replay's time).
   */
  private sweep(): void {
    this.forgetLastFound();
    for (const { bySubject } of this.actors.values()) {
      for (const [subject, actor] of bySubject) {
        if (sweepActor(actor, this.shapesByOrdinal, this.newestTs)) bySubject.delete(subject);
      }
    }
    this.windowCount = this.trackedWindows;
    this.sweepAt = Math.max(SWEEP_FLOOR, 2 * this.windowCount);
  }

  /**
   * Over the cap: sweep what has expired, then evict the least recently seen down to
   * 80 %. Run between batches, never inside one: a step's actor cannot vanish under it.
   * The sweep forgets each scope's last-found actor, which may be one evicted here.
   */
  private bound(): void {
    this.sweep();
    const target = Math.floor(
      (this.options.maxWindows ?? eviction.DEFAULT_MAX_WINDOWS) * eviction.EVICT_TO,
    );
    if (this.windowCount <= target) return;
    this.windowCount -= eviction.evictLeastRecentlySeen(
      this.subjectMaps(),
      this.windowCount - target,
      this.evicted,
      windowCount,
      (actor) => freeAll(actor, this.shapesByOrdinal),
    );
  }
}

/** Drops windows and offences whose time has passed; true when nothing is left. */
function sweepActor(actor: ActorState, shapes: ArenasByShape, now: number): boolean {
  const kept = dropExpired(actor, shapes, now);
  for (const [rule, entry] of actor.offences ?? [])
    if (entry.expiresAt <= now) actor.offences!.delete(rule);
  return kept === 0 && !actor.offences?.size && !actor.positions?.size && !actor.pending?.size;
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
