// One group of a batch's actors in the Redis window store (on a Redis Cluster, those of
// one shard): their values read together (MGET), their steps applied in Node
// (state-value.ts), and the changed values and the fired readings' claims sent in one
// commit script call (scripts/commit/), whose reply commit-reply.ts decodes.
import type { ActorKeys } from './keys.js';
import type { LockoutPolicy } from '../decide/policy.js';
import { firesOn } from './arithmetic.js';
import { Writer } from './msgpack-writer.js';
import type { WindowSpec } from './flat-window.js';
import { ActorStateValue, OUTBOX_TTL_MS } from './state-value.js';
import type { Observation, PendingLockout, Step, StepResult, WindowKey } from './store.js';

/** What a step's window is measured by: the rule's shape, thresholds and lockout policy. */
export interface Spec extends WindowSpec {
  readonly lockout: LockoutPolicy;
  readonly rule: string;
  /** The spec as the commit script reads it (scripts/commit/01-arguments.lua). */
  readonly args: readonly (string | number)[];
}

/** Flags of an actor in the commit (01-arguments.lua). */
const READ_OUTBOX = 1;
const LEGACY = 2;
const WRITE = 4;

export interface Actor {
  readonly keys: ActorKeys;
  readonly scope: WindowKey['scope'];
  readonly subject: string;
  /** Its steps, as indexes in the batch, in order. */
  readonly steps: number[];
  /** Its pending lockouts, found by the commit that settled it. */
  pending: PendingLockout[];
}

/** A fired reading of a step, whose claim the commit decides. */
export interface Claim {
  readonly step: number;
  readonly actor: number;
  readonly window: number;
  readonly ts: number;
  readonly stream: number;
  readonly offset: number;
  readonly reading: readonly number[];
}

/** A step's spec and the window it changes (its field in the actor's value, its route sealed). */
export interface StepWindow {
  readonly spec: Spec;
  readonly field: string;
  readonly sealedRoute: string;
}

/** One group of actors of the batch, read, applied and committed together. */
export class ShardCall {
  readonly actors: Actor[] = [];
  private readonly actorIndex = new Map<ActorKeys, number>();

  /** The actor of `keys`, added with its first step. */
  add(keys: ActorKeys, key: WindowKey, step: number): Actor {
    let at = this.actorIndex.get(keys);
    if (at === undefined) {
      at = this.actors.length;
      this.actors.push({ keys, scope: key.scope, subject: key.subject, steps: [], pending: [] });
      this.actorIndex.set(keys, at);
    }
    const actor = this.actors[at]!;
    actor.steps.push(step);
    return actor;
  }

  /** The same actors' steps again, for those whose commit met a changed value. */
  retry(actors: readonly Actor[]): ShardCall {
    const call = new ShardCall();
    for (const actor of actors) {
      call.actorIndex.set(actor.keys, call.actors.length);
      call.actors.push(actor);
    }
    return call;
  }

  stateKeys(): string[] {
    return this.actors.map(({ keys }) => keys.state);
  }

  /**
   * Applies every actor's steps to its value as read (`read[a]`), filling `results`
   * (claims come with the commit's reply), and returns the commit script's keys and
   * arguments, and the claims in the order the reply answers them.
   */
  prepare(
    steps: readonly Step[],
    windowOf: (step: Step) => StepWindow,
    read: readonly (Buffer | null)[],
    results: StepResult[],
    now: number,
  ): { keysAndArgs: (string | number | Buffer)[]; claims: Claim[] } {
    const commit = new CommitArguments(read, this.actors.length);
    this.actors.forEach((actor, a) => {
      const raw = read[a] ?? null;
      const state = new ActorStateValue(raw, now);
      for (const index of actor.steps) {
        const step = steps[index]!;
        const window = windowOf(step);
        const result = applyStep(state, step, window, actor.keys);
        results[index] = result;
        if (!result.applied || !firesOn(step.fire, result.reading)) continue;
        // The value says its outbox may hold a lockout from now on (its day).
        state.outboxUntil = now + OUTBOX_TTL_MS;
        commit.claim(index, a + 1, window, step, result.reading);
      }
      commit.actor(raw, state);
    });
    return { keysAndArgs: commit.keysAndArgs(this.actors, now), claims: commit.claims };
  }
}

/** One step on its actor's value: observed, or peeked at for a redelivered record. */
function applyStep(
  state: ActorStateValue,
  step: Step,
  window: StepWindow,
  keys: ActorKeys,
): { reading: number[]; applied: boolean } {
  const o = step.observation;
  const { spec, field } = window;
  state.touches(spec);
  const value = valueOf(o, keys);
  const position = step.position;
  if (position) {
    const applied = state.appliedOffset(position.stream);
    if (applied !== undefined && position.offset <= applied) {
      return { reading: state.peek(field, spec, o.ts, value), applied: false };
    }
    state.applying(position.stream, position.offset);
  }
  return { reading: state.observe(field, spec, o.ts, value), applied: true };
}

/** The commit script's arguments (scripts/commit/01-arguments.lua), built actor by actor. */
class CommitArguments {
  readonly claims: Claim[] = [];
  private readonly specs: Spec[] = [];
  private readonly specIndex = new Map<Spec, number>();
  private readonly windows: (string | number)[] = [];
  private readonly windowIndex = new Map<StepWindow, number>();
  private readonly streams: string[] = [];
  private readonly streamIndex = new Map<string, number>();
  /** Per actor: flags, the value read, the value written, its time to live. */
  private readonly values: Writer;

  constructor(read: readonly (Buffer | null)[], actors: number) {
    // Sized for the values read and as much written (a new actor's few hundred bytes),
    // once: growing it copies it.
    let size = 64 + actors * 512;
    for (const raw of read) if (raw) size += 2 * raw.length;
    this.values = new Writer(size);
  }

  claim(
    step: number,
    actor: number,
    window: StepWindow,
    { observation, position }: Step,
    reading: number[],
  ): void {
    this.claims.push({
      step,
      actor,
      window: this.window(window),
      ts: observation.ts,
      stream: position ? this.stream(position.stream) : 0,
      offset: position?.offset ?? 0,
      reading,
    });
  }

  actor(raw: Buffer | null, state: ActorStateValue): void {
    const values = this.values;
    values.byte(
      (state.readOutbox ? READ_OUTBOX : 0) |
        (state.legacy ? LEGACY : 0) |
        (state.dirty ? WRITE : 0),
    );
    values.sizedBytes(raw);
    // The value written (none: delete it), straight into the argument.
    const slot = values.reserveU32le();
    const ttlMs = state.dirty ? state.encode(values) : null;
    values.patchU32le(slot);
    values.doubleLE(ttlMs ?? 0);
  }

  keysAndArgs(actors: readonly Actor[], now: number): (string | number | Buffer)[] {
    const out: (string | number | Buffer)[] = [];
    for (const { keys } of actors) out.push(keys.state, keys.outbox, keys.offences);
    out.push(now, actors.length, this.specs.length);
    for (const spec of this.specs) for (const arg of spec.args) out.push(arg);
    out.push(this.windows.length / 2, ...this.windows, this.streams.length, ...this.streams);
    out.push(this.values.done(), this.claims.length);
    for (const { actor, window, ts, stream, offset, reading } of this.claims) {
      out.push(actor, window, ts, stream, offset, reading.length, ...reading);
    }
    return out;
  }

  private window(window: StepWindow): number {
    let at = this.windowIndex.get(window);
    if (at === undefined) {
      let spec = this.specIndex.get(window.spec);
      if (spec === undefined) {
        this.specs.push(window.spec);
        spec = this.specs.length;
        this.specIndex.set(window.spec, spec);
      }
      this.windows.push(spec, window.sealedRoute);
      at = this.windows.length / 2;
      this.windowIndex.set(window, at);
    }
    return at;
  }

  private stream(name: string): number {
    let at = this.streamIndex.get(name);
    if (at === undefined) {
      this.streams.push(name);
      at = this.streams.length;
      this.streamIndex.set(name, at);
    }
    return at;
  }
}

/** The step's value as its window takes it: amounts, the id offset per actor, or the bit. */
function valueOf(o: Observation, keys: ActorKeys): number | readonly number[] {
  switch (o.kind) {
    case 'counter':
      return o.add;
    case 'sequence':
      // Never the id itself in Redis: offset per actor, distances kept (keys.ts).
      return o.id - keys.idOffset;
    case 'distinct':
      return o.bit;
  }
}
