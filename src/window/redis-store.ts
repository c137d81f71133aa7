// The Redis window store, for the streaming service: state shared by every instance.
// One script call per actor per batch (scripts/apply.lua), every call of a batch sent
// together (ioredis auto-pipelining: one round trip on one node, one per node on a
// cluster), so the cost is per actor and batch, not per event.
import { readFileSync } from 'node:fs';
import type { Cluster, Redis, Result } from 'ioredis';
import { ExfilguardError } from '../errors.js';
import { RedisKeys } from './keys.js';
import { pendingId } from './memory-store.js';
import type {
  ApplyResult,
  ClaimResult,
  PendingLockout,
  Step,
  StepResult,
  WindowKey,
  WindowStore,
} from './store.js';

const APPLY_SCRIPT = readFileSync(new URL('./scripts/apply.lua', import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    exfilguardApply(
      numberOfKeys: number,
      ...keysAndArgs: string[]
    ): Result<(number | string)[], Context>;
  }
}

/** The steps of one actor, with the keys its script call names. */
interface ActorCall {
  readonly scope: WindowKey['scope'];
  readonly subject: string;
  readonly tag: string;
  readonly indexes: number[];
  readonly keys: string[];
  readonly keyIndex: Map<string, number>;
}

export class RedisWindowStore implements WindowStore {
  private readonly keys: RedisKeys;

  /** The connection is the caller's: it opens and closes it. */
  constructor(
    private readonly redis: Redis | Cluster,
    keySecret: string,
  ) {
    this.keys = new RedisKeys(keySecret);
    // defineCommand sends EVALSHA and falls back to EVAL (loading the script) on NOSCRIPT.
    redis.defineCommand('exfilguardApply', { lua: APPLY_SCRIPT });
  }

  async apply(steps: readonly Step[]): Promise<ApplyResult> {
    const calls = this.groupByActor(steps);
    const replies = await this.send(() =>
      Promise.all(
        calls.map((call) => {
          // The payload first: encoding it names the keys the call needs.
          const payload = this.payload(call, steps);
          return this.redis.exfilguardApply(call.keys.length, ...call.keys, payload);
        }),
      ),
    );
    const results = new Array<StepResult>(steps.length);
    const recovered: PendingLockout[] = [];
    calls.forEach((call, i) => {
      const reply = replies[i]!;
      let at = 0;
      for (const index of call.indexes) {
        const parsed = parseStepResult(reply, at);
        results[index] = parsed.result;
        at = parsed.next;
      }
      const pendingCount = Number(reply[at]);
      for (let p = 1; p <= pendingCount; p += 1) {
        recovered.push(parsePending(String(reply[at + p]), call));
      }
    });
    return { results, recovered };
  }

  async confirm(lockouts: readonly PendingLockout[]): Promise<void> {
    await this.send(() =>
      Promise.all(
        lockouts.map((lockout) => {
          const tag = this.keys.actorTag(lockout.key.scope, lockout.key.subject);
          return this.redis.hdel(this.keys.outbox(tag), pendingId(lockout));
        }),
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

  private groupByActor(steps: readonly Step[]): ActorCall[] {
    const calls = new Map<string, ActorCall>();
    steps.forEach((step, index) => {
      const { key } = step.observation;
      const actor = `${key.scope}\u0000${key.subject}`;
      let call = calls.get(actor);
      if (!call) {
        const tag = this.keys.actorTag(key.scope, key.subject);
        const keys = [this.keys.positions(tag), this.keys.outbox(tag)];
        call = {
          scope: key.scope,
          subject: key.subject,
          tag,
          indexes: [],
          keys,
          keyIndex: new Map(),
        };
        calls.set(actor, call);
      }
      call.indexes.push(index);
    });
    return [...calls.values()];
  }

  /** The 1-based index in KEYS of a key, adding it on first use. */
  private keyIndex(call: ActorCall, name: string): number {
    let index = call.keyIndex.get(name);
    if (index === undefined) {
      call.keys.push(name);
      index = call.keys.length;
      call.keyIndex.set(name, index);
    }
    return index;
  }

  private payload(call: ActorCall, steps: readonly Step[]): string {
    const encoded = call.indexes.map((index) => {
      const step = steps[index]!;
      const { observation: o, fire, lockout, position } = step;
      const w = this.keyIndex(call, this.keys.window(call.tag, o.key));
      const ofs = this.keyIndex(call, this.keys.offences(call.tag, o.key.rule));
      return {
        w,
        o: ofs,
        k: o.kind === 'counter' ? 'c' : o.kind === 'sequence' ? 's' : 'd',
        ts: o.ts,
        win: o.window.windowMs,
        bkt: o.window.bucketMs,
        ...(o.kind === 'counter' && { add: o.add }),
        ...(o.kind === 'sequence' && { id: o.id, gap: o.maxGap, rec: o.recentIds }),
        ...(o.kind === 'distinct' && { bit: o.bit, bits: o.bits }),
        min: fire.atLeast.map((min) => min ?? -1),
        ...(fire.ratio && {
          rat: [
            fire.ratio.num,
            fire.ratio.den,
            fire.ratio.ratio,
            fire.ratio.minDen,
            fire.ratio.minNum ?? 0,
          ],
        }),
        ttl: lockout.ttlMs,
        ...(lockout.escalation && {
          esc: [
            lockout.escalation.factor,
            lockout.escalation.maxTtlMs,
            lockout.escalation.forgetAfterMs,
          ],
        }),
        ...(position && { s: position.stream, off: position.offset }),
        rule: o.key.rule,
        ...(o.key.route !== undefined && { rt: o.key.route }),
      };
    });
    return JSON.stringify({ steps: encoded });
  }
}

function parseStepResult(
  reply: readonly (number | string)[],
  at: number,
): { result: StepResult; next: number } {
  const applied = Number(reply[at]) === 1;
  const figures = Number(reply[at + 1]);
  const reading = reply.slice(at + 2, at + 2 + figures).map(Number);
  let next = at + 2 + figures;
  const [outcome, offence, ttlMs, lockedUntil] = reply.slice(next, next + 4).map(Number);
  next += 4;
  const claim: ClaimResult | undefined =
    outcome === 0
      ? undefined
      : { granted: outcome === 1, offence: offence!, ttlMs: ttlMs!, lockedUntil: lockedUntil! };
  return { result: { reading, applied, ...(claim && { claim }) }, next };
}

interface PendingRecord {
  rule: string;
  rt?: string;
  s?: string;
  off?: number;
  ts: number;
  o: number;
  t: number;
  r: number[];
}

function parsePending(json: string, call: ActorCall): PendingLockout {
  const record = JSON.parse(json) as PendingRecord;
  const key: WindowKey = {
    rule: record.rule,
    scope: call.scope,
    subject: call.subject,
    ...(record.rt !== undefined && { route: record.rt }),
  };
  return {
    key,
    eventTs: record.ts,
    offence: record.o,
    ttlMs: record.t,
    reading: record.r,
    ...(record.s !== undefined &&
      record.off !== undefined && { position: { stream: record.s, offset: record.off } }),
  };
}
