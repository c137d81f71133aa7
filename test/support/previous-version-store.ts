// The Redis store of the version before the commit script (main at df3d5fb), as far as a
// rolling upgrade needs it: its apply script (test/fixtures/apply-script-df3d5fb.lua, which
// did the windows' arithmetic in Lua) on the same keys, values and outboxes as this
// version. Confirm and lift are the same in both versions (the outbox, the lift script).
// Delete with the fixture once no such version runs.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { parsePending } from '../../src/window/commit-reply.js';
import { RedisKeys } from '../../src/window/keys.js';
import { kindLetter, RedisWindowStore, specArgs } from '../../src/window/redis-store.js';
import type {
  ApplyResult,
  LiftRequest,
  PendingLockout,
  Step,
  StepResult,
  WindowStore,
} from '../../src/window/store.js';

const SCRIPT = readFileSync(
  new URL('../fixtures/apply-script-df3d5fb.lua', import.meta.url),
  'utf8',
);

export class PreviousVersionStore implements WindowStore {
  private readonly keys: RedisKeys;
  private readonly current: RedisWindowStore;

  constructor(
    private readonly redis: Redis,
    secret: string,
  ) {
    this.keys = new RedisKeys(secret);
    this.current = new RedisWindowStore(redis, secret);
    redis.defineCommand('applyDf3d5fb', { lua: SCRIPT });
  }

  /** One call of the old script for the whole batch (a single Redis takes any keys). */
  async apply(steps: readonly Step[]): Promise<ApplyResult> {
    const actors: {
      keys: ReturnType<RedisKeys['actor']>;
      scope: Step['observation']['key']['scope'];
      subject: string;
    }[] = [];
    const actorAt = new Map<string, number>();
    const specs: (string | number)[][] = [];
    const specAt = new Map<string, number>();
    const windows: (string | number)[] = [];
    const windowAt = new Map<string, number>();
    const streams: string[] = [];
    const values: number[] = [];
    const figures: number[] = [];
    for (const { observation: o, fire, lockout, position } of steps) {
      const { scope, subject, rule, route } = o.key;
      let a = actorAt.get(`${scope}:${subject}`);
      if (a === undefined) {
        actors.push({ keys: this.keys.actor(scope, subject), scope, subject });
        a = actors.length;
        actorAt.set(`${scope}:${subject}`, a);
      }
      const [p1, p2, p3] =
        o.kind === 'counter'
          ? [o.add.length, 0, 0]
          : o.kind === 'sequence'
            ? [o.maxGap, o.recentIds, o.closeAmong ?? 0]
            : [o.bits, 0, 0];
      const shape = { kind: kindLetter(o.kind), rule, ...o.window, p1, p2, p3 };
      const args = specArgs(shape, lockout, fire);
      let s = specAt.get(JSON.stringify(args));
      if (s === undefined) {
        specs.push(args);
        s = specs.length;
        specAt.set(JSON.stringify(args), s);
      }
      let w = windowAt.get(`${s}|${route ?? ''}`);
      if (w === undefined) {
        windows.push(s, this.keys.windowField(rule, route), this.keys.sealRoute(route));
        w = windows.length / 3;
        windowAt.set(`${s}|${route ?? ''}`, w);
      }
      let t = 0;
      if (position) {
        t = streams.indexOf(position.stream) + 1;
        if (t === 0) t = streams.push(position.stream);
      }
      const idOffset = actors[a - 1]!.keys.idOffset;
      values.push(a, w, o.ts, t, position?.offset ?? 0);
      if (o.kind === 'counter') values.push(...o.add);
      else values.push(o.kind === 'sequence' ? o.id - idOffset : o.bit);
      figures.push(o.kind === 'counter' ? o.add.length : o.kind === 'sequence' ? 3 : 1);
    }
    const binary = Buffer.alloc(values.length * 8);
    values.forEach((value, i) => binary.writeDoubleLE(value, i * 8));
    const keys = actors.flatMap(({ keys: k }) => [k.state, k.outbox, k.offences]);
    const args = [
      ...keys,
      Date.now(),
      actors.length,
      specs.length,
      ...specs.flat(),
      windows.length / 3,
      ...windows,
      streams.length,
      ...streams,
      binary,
    ];
    const reply = (await (
      this.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown[]>>
    )['applyDf3d5fb']!(keys.length, ...args)) as (number | string)[];
    return decode(reply, figures, actors, (sealed) => this.keys.openRoute(sealed));
  }

  confirm(lockouts: readonly PendingLockout[]): Promise<void> {
    return this.current.confirm(lockouts);
  }

  lift(request: LiftRequest): Promise<void> {
    return this.current.lift(request);
  }

  async close(): Promise<void> {}
}

/** The old reply: per step its flag, figures and claim; then per actor its pending lockouts. */
function decode(
  reply: (number | string)[],
  figures: readonly number[],
  actors: readonly { scope: Step['observation']['key']['scope']; subject: string }[],
  openRoute: (sealed: string) => string | undefined,
): ApplyResult {
  let at = 0;
  const next = () => reply[at++]!;
  const results = figures.map((count): StepResult => {
    const flag = next() as number;
    const reading = Array.from({ length: count }, () => next() as number);
    if (flag <= 1) return { reading, applied: flag === 1 };
    const [offence, ttlMs, lockedUntil] = [next(), next(), next()] as number[];
    return {
      reading,
      applied: true,
      claim: {
        granted: flag === 2,
        offence: offence!,
        ttlMs: ttlMs!,
        lockedUntil: lockedUntil!,
        ...(flag === 4 && { grace: true }),
      },
    };
  });
  const recovered = actors.flatMap((actor) =>
    Array.from({ length: next() as number }, () =>
      parsePending(next() as string, actor, openRoute),
    ),
  );
  return { results, recovered };
}
