// Replay on several threads (`replay --workers N`): the window state split by actor.
//
// Every worker reads, parses and orders the whole log and runs the same pipeline over
// the same batches; only the window store is split. A step goes to the shard of its
// actor (a hash of scope and subject; a route's sweep window is an actor like any),
// each shard applies its own steps to a memory store of its own, and the shards swap
// their answers, so every worker holds every step's result as one store would have
// given it. Each worker then makes the same follow-up steps (sweep participants, the
// addresses behind locked identities), the same store calls and the same lockouts;
// the first worker announces them.
//
// Exact, because everything the memory store keeps (windows, offences, pending
// lockouts, applied positions) belongs to one actor, and an actor's steps reach its
// shard in the order one store applies them. What a shard decides alone changes no
// decision: when it sweeps expired state, and whom it evicts over its cap (the cap
// divided by the shards: the same total memory bound).
import type { MessagePort } from 'node:worker_threads';
import type { ClaimResult } from '../decide/policy.js';
import type { MemoryWindowStore } from '../window/memory-store.js';
import type {
  ApplyResult,
  LiftRequest,
  PendingLockout,
  Step,
  StepResult,
  WindowStore,
} from '../window/store.js';
import { ExfilguardError } from '../vocabulary/errors.js';

/** More would not help (each worker parses the whole log) and the owner table is bytes. */
export const MAX_WORKERS = 64;

/**
 * The shard of an actor: FNV-1a of scope and subject. Unkeyed: a log chosen to load one
 * shard only slows its own replay, and decides nothing (every shard decides alike).
 */
export function shardOf(scope: string, subject: string, shards: number): number {
  if (shards === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < scope.length; i += 1)
    hash = Math.imul(hash ^ scope.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ 0x3a, 0x01000193);
  for (let i = 0; i < subject.length; i += 1)
    hash = Math.imul(hash ^ subject.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

/** One shard's answers to one store call, for the others: its steps' results, in order. */
interface ShardAnswer {
  readonly call: number;
  /** Per own step: its reading's length. */
  readonly lengths: Uint16Array;
  /** Per own step: 1 applied, 2 has a claim. */
  readonly flags: Uint8Array;
  /** The readings, end to end. */
  readonly figures: Float64Array;
  /** The claims, in step order. */
  readonly claims: ClaimResult[];
  readonly recovered: PendingLockout[];
}

const APPLIED = 1;
const CLAIMED = 2;

/** A peer's answers as they arrive, in order, and the call waiting for the next one. */
class Inbox {
  private readonly queue: ShardAnswer[] = [];
  private waiter: { resolve: (a: ShardAnswer) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  deliver(answer: ShardAnswer): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter.resolve(answer);
    else this.queue.push(answer);
  }

  fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }

  next(): Promise<ShardAnswer> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }
}

/**
 * A worker's window store: its own shard in `local`, the others' answers through
 * `ports` (by shard; undefined at its own index). Every worker must make the same calls
 * in the same order, which replaying the same input with the same rules does.
 */
export class ShardedStore implements WindowStore {
  private calls = 0;
  private readonly inboxes: (Inbox | undefined)[];

  constructor(
    readonly shard: number,
    private readonly ports: readonly (MessagePort | undefined)[],
    readonly local: MemoryWindowStore,
  ) {
    this.inboxes = ports.map((port) => {
      if (!port) return undefined;
      const inbox = new Inbox();
      port.on('message', (answer: ShardAnswer) => inbox.deliver(answer));
      return inbox;
    });
  }

  get shards(): number {
    return this.ports.length;
  }

  /** A peer failed: every call waiting on it, and every later one, fails with `error`. */
  fail(error: Error): void {
    for (const inbox of this.inboxes) inbox?.fail(error);
  }

  async apply(steps: readonly Step[]): Promise<ApplyResult> {
    const call = ++this.calls;
    const shards = this.ports.length;
    const owners = new Uint8Array(steps.length);
    const own: Step[] = [];
    for (let i = 0; i < steps.length; i += 1) {
      const { scope, subject } = steps[i]!.observation.key;
      const owner = shardOf(scope, subject, shards);
      owners[i] = owner;
      if (owner === this.shard) own.push(steps[i]!);
    }
    const mine = own.length > 0 ? await this.local.apply(own) : { results: [], recovered: [] };
    const answer = answerOf(call, mine);
    for (const port of this.ports) port?.postMessage(answer);

    const results = new Array<StepResult>(steps.length);
    placeOwn(results, owners, this.shard, mine.results);
    const recovered = [...mine.recovered];
    for (let peer = 0; peer < shards; peer += 1) {
      const inbox = this.inboxes[peer];
      if (!inbox) continue;
      const theirs = await inbox.next();
      if (theirs.call !== call) {
        throw new ExfilguardError(
          'REPLAY_WORKER_FAILED',
          `replay worker ${peer} answered store call ${theirs.call} while worker ${this.shard} made call ${call}: the workers went out of step`,
        );
      }
      placeAnswer(results, owners, peer, theirs);
      recovered.push(...theirs.recovered);
    }
    return { results, recovered };
  }

  async confirm(lockouts: readonly PendingLockout[]): Promise<void> {
    const own = lockouts.filter(({ key }) => this.owns(key.scope, key.subject));
    if (own.length > 0) await this.local.confirm(own);
  }

  async lift(request: LiftRequest): Promise<void> {
    if (this.owns(request.scope, request.subject)) await this.local.lift(request);
  }

  async close(): Promise<void> {
    await this.local.close();
    for (const port of this.ports) port?.close();
  }

  private owns(scope: string, subject: string): boolean {
    return shardOf(scope, subject, this.ports.length) === this.shard;
  }
}

function answerOf(call: number, { results, recovered }: ApplyResult): ShardAnswer {
  const lengths = new Uint16Array(results.length);
  const flags = new Uint8Array(results.length);
  let size = 0;
  for (const { reading } of results) size += reading.length;
  const figures = new Float64Array(size);
  const claims: ClaimResult[] = [];
  let at = 0;
  for (let i = 0; i < results.length; i += 1) {
    const { reading, applied, claim } = results[i]!;
    lengths[i] = reading.length;
    figures.set(reading, at);
    at += reading.length;
    flags[i] = (applied ? APPLIED : 0) | (claim ? CLAIMED : 0);
    if (claim) claims.push(claim);
  }
  return { call, lengths, flags, figures, claims, recovered };
}

function placeOwn(
  results: StepResult[],
  owners: Uint8Array,
  shard: number,
  own: readonly StepResult[],
): void {
  let k = 0;
  for (let i = 0; i < owners.length; i += 1) if (owners[i] === shard) results[i] = own[k++]!;
}

function placeAnswer(
  results: StepResult[],
  owners: Uint8Array,
  peer: number,
  { lengths, flags, figures, claims }: ShardAnswer,
): void {
  let k = 0;
  let at = 0;
  let claim = 0;
  for (let i = 0; i < owners.length; i += 1) {
    if (owners[i] !== peer) continue;
    const length = lengths[k]!;
    const reading = new Array<number>(length);
    for (let x = 0; x < length; x += 1) reading[x] = figures[at + x]!;
    at += length;
    const flag = flags[k]!;
    k += 1;
    results[i] =
      (flag & CLAIMED) !== 0
        ? { reading, applied: (flag & APPLIED) !== 0, claim: claims[claim++]! }
        : { reading, applied: (flag & APPLIED) !== 0 };
  }
  if (k !== lengths.length) {
    throw new ExfilguardError(
      'REPLAY_WORKER_FAILED',
      `replay worker ${peer} answered ${lengths.length} steps where ${k} are its own: the workers went out of step`,
    );
  }
}
