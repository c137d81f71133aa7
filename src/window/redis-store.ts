// The Redis window store, for the streaming service: state shared by every instance.
// Actors are grouped into calls (keys.ts shards them); per call their values are read at
// once, the steps applied in Node (shard-call.ts, state-value.ts), and one commit script
// call (scripts/commit/, joined by scripts.ts) writes each value that is still the one
// read and claims the fired readings' lockouts (README: "Reading, applying, committing");
// commit-reply.ts decodes its reply. Every call of a batch is sent together (ioredis
// auto-pipelining: one round trip on one node, one per node on a cluster), so the cost
// is per call and batch plus a little per actor, not per event.
import { Cluster, type Redis, type Result } from 'ioredis';
import type { LockoutPolicy } from '../decide/policy.js';
import { ExfilguardError } from '../vocabulary/errors.js';
import { COMMIT_SCRIPT, LIFT_SCRIPT } from './scripts.js';
import { decodeCommitReply, type RouteOpener } from './commit-reply.js';
import { RedisKeys, SHARDS } from './keys.js';
import { ShardCall, type Actor, type Spec, type StepWindow } from './shard-call.js';
import {
  type ApplyResult,
  type FireCondition,
  type LiftRequest,
  type Observation,
  pendingId,
  type PendingLockout,
  type Step,
  type StepResult,
  type WindowStore,
} from './store.js';

/** Steps per script call on a single Redis (a call of 1,000 steps: a few ms of Redis). */
const STEPS_PER_CALL = 1000;

/** Commits of one batch before giving up: each one only for actors whose value changed meanwhile. */
const MAX_COMMIT_ATTEMPTS = 8;

/** Windows remembered per spec (field and sealed route, each an HMAC). */
const MAX_CACHED_ROUTES = 10_000;

/**
 * How long (wall clock) a lift's grace marker outlives its grace: the grace is judged on
 * event time, which lags the wall clock by the consumer's lag (an hour, as the
 * redelivery memory's minimum in state-value.ts).
 */
const GRACE_KEPT_AFTER_MS = 3_600_000;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    exfilguardCommit(
      numberOfKeys: number,
      ...keysAndArgs: (string | number | Buffer)[]
    ): Result<unknown, Context>;
    exfilguardLift(
      numberOfKeys: number,
      ...keysAndArgs: (string | number)[]
    ): Result<unknown, Context>;
  }
}

export class RedisWindowStore implements WindowStore {
  private readonly keys: RedisKeys;
  private readonly clustered: boolean;
  private readonly openRoute: RouteOpener;
  /** Specs by fire condition (one object per rule in the engine), then by the rest. */
  private specCache = new WeakMap<FireCondition, Spec[]>();
  private readonly windowCache = new Map<Spec, Map<string, StepWindow>>();

  /** The connection is the caller's: it opens and closes it. */
  constructor(
    private readonly redis: Redis | Cluster,
    keySecret: string,
    keyPrefix?: string,
  ) {
    this.keys = new RedisKeys(keySecret, keyPrefix);
    this.clustered = redis instanceof Cluster;
    this.openRoute = (sealed) => this.keys.openRoute(sealed);
    // defineCommand sends EVALSHA and falls back to EVAL (loading the script) on NOSCRIPT.
    redis.defineCommand('exfilguardCommit', { lua: COMMIT_SCRIPT });
    redis.defineCommand('exfilguardLift', { lua: LIFT_SCRIPT });
  }

  async apply(steps: readonly Step[]): Promise<ApplyResult> {
    const { calls, order } = this.groupIntoCalls(steps);
    const results = new Array<StepResult>(steps.length);
    let pending = calls;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > MAX_COMMIT_ATTEMPTS) {
        throw new ExfilguardError(
          'STORE_UNAVAILABLE',
          `Redis: ${pending.length} groups of actors kept changing under ${MAX_COMMIT_ATTEMPTS} commits (another instance writing the same actors?)`,
        );
      }
      pending = await this.readApplyCommit(pending, steps, results);
    }
    // As the memory store: by actor, in the order of each actor's first step.
    const recovered = order.flatMap((actor) => actor.pending);
    return { results, recovered };
  }

  /**
   * Reads the calls' values, applies their steps, commits them; returns the calls of the
   * actors whose value changed between read and commit, to do again.
   */
  private async readApplyCommit(
    calls: readonly ShardCall[],
    steps: readonly Step[],
    results: StepResult[],
  ): Promise<ShardCall[]> {
    const read = await this.send(() =>
      Promise.all(calls.map((call) => this.redis.mgetBuffer(...call.stateKeys()))),
    );
    const now = Date.now();
    const prepared = calls.map((call, i) =>
      call.prepare(steps, this.windowOf, read[i]!, results, now),
    );
    const replies = await this.send(() =>
      Promise.all(
        calls.map((call, i) =>
          this.redis.exfilguardCommit(call.actors.length * 3, ...prepared[i]!.keysAndArgs),
        ),
      ),
    );
    const again: ShardCall[] = [];
    calls.forEach((call, i) => {
      const { claims } = prepared[i]!;
      const reply = decodeCommitReply(
        replies[i],
        { actors: call.actors, claims: claims.length },
        this.openRoute,
      );
      const conflicted = call.actors.filter((actor, a) => {
        const found = reply.pending[a];
        if (!found) return true;
        actor.pending = found;
        return false;
      });
      claims.forEach((claim, c) => {
        const result = reply.claims[c];
        if (result) results[claim.step] = { ...results[claim.step]!, claim: result };
      });
      if (conflicted.length > 0) again.push(call.retry(conflicted));
    });
    return again;
  }

  async confirm(lockouts: readonly PendingLockout[]): Promise<void> {
    await this.send(() =>
      Promise.all(
        lockouts.map((lockout) => {
          const actor = this.keys.actor(lockout.key.scope, lockout.key.subject);
          return this.redis.hdel(actor.outbox, pendingId(lockout));
        }),
      ),
    );
  }

  /** One script call on the actor's three keys (one hash tag): scripts/lift/. */
  /**
   * True for the one caller (of every instance on this Redis) that claims `name` first
   * within `ttlSeconds`: a SET NX under an HMAC'd key (keys.ts claimKey).
   */
  async claimOnce(name: string, ttlSeconds: number): Promise<boolean> {
    const reply = await this.redis.set(this.keys.claimKey(name), '1', 'EX', ttlSeconds, 'NX');
    return reply === 'OK';
  }

  async lift(request: LiftRequest): Promise<void> {
    const { scope, subject, rules, graceUntilMs } = request;
    const keys = this.keys.actor(scope, subject);
    await this.send(() =>
      this.redis.exfilguardLift(
        3,
        keys.state,
        keys.outbox,
        keys.offences,
        Date.now(),
        graceUntilMs,
        GRACE_KEPT_AFTER_MS,
        rules === undefined ? 1 : 0,
        ...(rules ?? []),
      ),
    );
  }

  async close(): Promise<void> {}

  private async send<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw new ExfilguardError('STORE_UNAVAILABLE', `Redis: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /**
   * The calls, and every actor with its pending lockouts' slot in order of first step.
   * On a Redis Cluster a script may only touch keys of one slot: one call per shard.
   * A single Redis takes keys of any shard in one call, so a batch makes as few calls
   * as keep each of them short (about STEPS_PER_CALL steps: Redis serves no one else
   * while a script runs): each call costs an MGET and a commit round trip besides its
   * actors, which small batches (low traffic, low latency) would pay per actor again.
   */
  private groupIntoCalls(steps: readonly Step[]): { calls: ShardCall[]; order: Actor[] } {
    const groups = this.clustered
      ? SHARDS
      : Math.min(SHARDS, Math.ceil(steps.length / STEPS_PER_CALL));
    const calls = new Map<number, ShardCall>();
    const order: Actor[] = [];
    for (let index = 0; index < steps.length; index += 1) {
      const key = steps[index]!.observation.key;
      const keys = this.keys.actor(key.scope, key.subject);
      const group = keys.shard % groups;
      let call = calls.get(group);
      if (call === undefined) {
        call = new ShardCall();
        calls.set(group, call);
      }
      const actor = call.add(keys, key, index);
      if (actor.steps.length === 1) order.push(actor);
    }
    return { calls: [...calls.values()], order };
  }

  /** The step's window: its spec, and its field and sealed route, made once per spec and route. */
  private readonly windowOf = (step: Step): StepWindow => {
    const spec = this.spec(step);
    const route = step.observation.key.route;
    let byRoute = this.windowCache.get(spec);
    if (byRoute === undefined) {
      byRoute = new Map();
      this.windowCache.set(spec, byRoute);
    }
    const routeKey = route ?? '';
    let window = byRoute.get(routeKey);
    if (window === undefined) {
      window = {
        spec,
        field: this.keys.windowField(spec.rule, route),
        sealedRoute: this.keys.sealRoute(route),
      };
      // Routes come from traffic: bounded, as the keys' own caches.
      if (byRoute.size >= MAX_CACHED_ROUTES) byRoute.clear();
      byRoute.set(routeKey, window);
    }
    return window;
  };

  /** The step's spec, made once per rule and shape. */
  private spec(step: Step): Spec {
    const { observation: o, fire, lockout } = step;
    const kind = kindLetter(o.kind);
    // No array per step: a store step is made millions of times.
    let p1: number;
    let p2 = 0;
    let p3 = 0;
    if (o.kind === 'counter') p1 = o.add.length;
    else if (o.kind === 'sequence') {
      p1 = o.maxGap;
      p2 = o.recentIds;
      p3 = o.closeAmong ?? 0;
    } else p1 = o.bits;
    let specs = this.specCache.get(fire);
    if (specs === undefined) {
      specs = [];
      this.specCache.set(fire, specs);
    }
    for (let i = 0; i < specs.length; i += 1) {
      const spec = specs[i]!;
      if (
        spec.lockout === lockout &&
        spec.kind === kind &&
        spec.rule === o.key.rule &&
        spec.windowMs === o.window.windowMs &&
        spec.bucketMs === o.window.bucketMs &&
        spec.p1 === p1 &&
        spec.p2 === p2 &&
        spec.p3 === p3
      )
        return spec;
    }
    const { windowMs, bucketMs } = o.window;
    const shape = { kind, rule: o.key.rule, windowMs, bucketMs, p1, p2, p3 };
    const spec: Spec = { lockout, ...shape, args: specArgs(shape, lockout, fire) };
    // A fire condition shared by many shapes or policies is not the engine's way; bounded.
    if (specs.length >= 16) specs.length = 0;
    specs.push(spec);
    return spec;
  }
}

/** A spec as the commit script reads it (scripts/commit/01-arguments.lua). */
export function specArgs(
  shape: Omit<Spec, 'lockout' | 'args'>,
  lockout: LockoutPolicy,
  fire: FireCondition,
): (string | number)[] {
  const { rule, kind, windowMs, bucketMs, p1, p2, p3 } = shape;
  const args: (string | number)[] = [rule, kind, windowMs, bucketMs, p1, p2, p3, lockout.ttlMs];
  const escalation = lockout.escalation;
  if (escalation) args.push(1, escalation.factor, escalation.maxTtlMs, escalation.forgetAfterMs);
  else args.push(0);
  args.push(fire.atLeast.length, ...fire.atLeast.map((min) => min ?? -1));
  const ratio = fire.ratio;
  if (ratio) args.push(1, ratio.num, ratio.den, ratio.ratio, ratio.minDen, ratio.minNum ?? 0);
  else args.push(0);
  return args;
}

export function kindLetter(kind: Observation['kind']): Spec['kind'] {
  return kind === 'counter' ? 'c' : kind === 'sequence' ? 's' : 'd';
}
