// The Redis window store, for the streaming service: state shared by every instance.
// Actors are grouped into shards (keys.ts); one script call (the parts of scripts/apply/,
// joined by apply-script.ts) applies the steps of many of the batch's actors (on a
// Cluster: those of one shard), each actor's state one msgpack value; apply-reply.ts
// decodes its reply. Every call of a batch is sent together (ioredis
// auto-pipelining: one round trip on one node, one per node on a cluster), so the cost
// is per call and batch plus a little per actor, not per event.
import { Cluster, type Redis, type Result } from 'ioredis';
import { ExfilguardError } from '../vocabulary/errors.js';
import { decodeApplyReply, type RouteOpener } from './apply-reply.js';
import { APPLY_SCRIPT, LIFT_SCRIPT } from './apply-script.js';
import { RedisKeys, SHARDS } from './keys.js';
import { ShardCall, type Actor, type Spec } from './shard-call.js';
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

/**
 * How long (wall clock) a lift's grace marker outlives its grace: the grace is judged on
 * event time, which lags the wall clock by the consumer's lag (an hour, as the
 * redelivery memory's minimum in scripts/apply/10-write-back.lua).
 */
const GRACE_KEPT_AFTER_MS = 3_600_000;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    exfilguardApply(
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
    redis.defineCommand('exfilguardApply', { lua: APPLY_SCRIPT });
    redis.defineCommand('exfilguardLift', { lua: LIFT_SCRIPT });
  }

  async apply(steps: readonly Step[]): Promise<ApplyResult> {
    const { calls, order } = this.groupIntoCalls(steps);
    const now = Date.now();
    const replies = await this.send(() =>
      Promise.all(
        calls.map((call) =>
          this.redis.exfilguardApply(call.actors.length * 3, ...call.keysAndArgs(now)),
        ),
      ),
    );
    const results = new Array<StepResult>(steps.length);
    calls.forEach((call, i) => {
      const reply = decodeApplyReply(replies[i], call, this.openRoute);
      call.steps.forEach((index, s) => (results[index] = reply.results[s]!));
      call.actors.forEach((actor, a) => actor.pending.push(...reply.pending[a]!));
    });
    // As the memory store: by actor, in the order of each actor's first step.
    const recovered = order.flatMap((actor) => actor.pending);
    return { results, recovered };
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
   * while a script runs): each call costs ~25 µs of Redis and more of Node besides its
   * steps, which made small batches (low traffic, low latency) pay per actor again.
   */
  private groupIntoCalls(steps: readonly Step[]): { calls: ShardCall[]; order: Actor[] } {
    const groups = this.clustered
      ? SHARDS
      : Math.min(SHARDS, Math.ceil(steps.length / STEPS_PER_CALL));
    const calls = new Map<number, ShardCall>();
    const order: Actor[] = [];
    steps.forEach((step, index) => {
      const { observation: o, position } = step;
      const keys = this.keys.actor(o.key.scope, o.key.subject);
      const group = keys.shard % groups;
      let call = calls.get(group);
      if (call === undefined) {
        call = new ShardCall();
        calls.set(group, call);
      }
      const known = call.actors.length;
      const actor = call.actor(keys, o.key);
      if (call.actors.length > known) order.push(actor);
      const spec = this.spec(step);
      const window = call.window(spec, o.key.route, this.keys);
      call.steps.push(index);
      call.figures.push(figuresOf(o));
      const values = call.stepValues;
      values.push(actor.index);
      values.push(window);
      values.push(o.ts);
      values.push(position ? call.stream(position.stream) : 0);
      values.push(position ? position.offset : 0);
      switch (o.kind) {
        case 'counter':
          for (const amount of o.add) values.push(amount);
          break;
        case 'sequence':
          // Never the id itself in Redis: offset per actor, distances kept (keys.ts).
          values.push(o.id - keys.idOffset);
          break;
        case 'distinct':
          values.push(o.bit);
          break;
      }
    });
    return { calls: [...calls.values()], order };
  }

  /** The step's spec, made once per rule and shape. */
  private spec(step: Step): Spec {
    const { observation: o, fire, lockout } = step;
    const [p1, p2, p3] =
      o.kind === 'counter'
        ? [o.add.length, 0, 0]
        : o.kind === 'sequence'
          ? [o.maxGap, o.recentIds, o.closeAmong ?? 0]
          : [o.bits, 0, 0];
    let specs = this.specCache.get(fire);
    if (specs === undefined) {
      specs = [];
      this.specCache.set(fire, specs);
    }
    for (const spec of specs) {
      if (
        spec.lockout === lockout &&
        spec.kind === o.kind &&
        spec.rule === o.key.rule &&
        spec.windowMs === o.window.windowMs &&
        spec.bucketMs === o.window.bucketMs &&
        spec.p1 === p1 &&
        spec.p2 === p2 &&
        spec.p3 === p3
      )
        return spec;
    }
    const args: (string | number)[] = [
      o.key.rule,
      o.kind === 'counter' ? 'c' : o.kind === 'sequence' ? 's' : 'd',
      o.window.windowMs,
      o.window.bucketMs,
      p1,
      p2,
      p3,
      lockout.ttlMs,
    ];
    const escalation = lockout.escalation;
    if (escalation) args.push(1, escalation.factor, escalation.maxTtlMs, escalation.forgetAfterMs);
    else args.push(0);
    args.push(fire.atLeast.length, ...fire.atLeast.map((min) => min ?? -1));
    const ratio = fire.ratio;
    if (ratio) args.push(1, ratio.num, ratio.den, ratio.ratio, ratio.minDen, ratio.minNum ?? 0);
    else args.push(0);
    const spec: Spec = {
      lockout,
      kind: o.kind,
      rule: o.key.rule,
      windowMs: o.window.windowMs,
      bucketMs: o.window.bucketMs,
      p1,
      p2,
      p3,
      args,
    };
    // A fire condition shared by many shapes or policies is not the engine's way; bounded.
    if (specs.length >= 16) specs.length = 0;
    specs.push(spec);
    return spec;
  }
}

function figuresOf(observation: Observation): number {
  if (observation.kind === 'counter') return observation.add.length;
  // Close ids, new ids, and whether this id was close (06-sequence.lua).
  return observation.kind === 'sequence' ? 3 : 1;
}
