// The legacy part of the commit script (src/window/scripts/commit/03-legacy-upgrade.lua):
// a state value of the layout before issue 9, as an earlier version left it in Redis,
// read by this version. Delete this file with that part.
import { describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/window/keys.js';
import { RedisWindowStore } from '../../src/window/redis-store.js';
import type { Step } from '../../src/window/store.js';
import { uniqueName } from '../support/kafka.js';
import { redisConnector } from '../support/redis-connections.js';

const connect = redisConnector();

/** A step of `subject` at event time 10 s that fires at once; offences never forgotten. */
function escalating(subject: string, rule: string, offset: number): Step {
  return {
    observation: {
      kind: 'counter',
      key: { rule, scope: 'ip', subject },
      ts: 10_000,
      window: { windowMs: 60_000, bucketMs: 5_000 },
      add: [1],
    },
    fire: { atLeast: [1] },
    lockout: { ttlMs: 1000, escalation: { factor: 2, maxTtlMs: 60_000, forgetAfterMs: 1e12 } },
    position: { stream: 'logs:0', offset },
  };
}

describe('redis window store upgrade', () => {
  it('reads a value of the layout before issue 9: drops its windows, keeps offences and positions', async () => {
    const redis = connect();
    const secret = uniqueName('upgrade-secret-that-is-long-enough');
    const keys = new RedisKeys(secret).actor('ip', '192.0.2.44');
    const now = Date.now();
    // As apply.lua before a7e696b wrote it: raw ids in a window under an unkeyed field,
    // offences inside the state (1 offence, lock lapsed), offset 5 of logs:0 applied.
    const window = `cmsgpack.pack({ ${now + 600_000}, 1, 1, { 48213907, 48213908 }, 1, 2, 2 })`;
    await redis.eval(
      `redis.call('SET', KEYS[1], cmsgpack.pack({
         w = { oldfield = ${window} }, x = { oldfield = ${now + 600_000} },
         o = { r = { 1000, 1, 0, 1000000000000, ${now + 3_600_000} } },
         q = { ['logs:0'] = 5 }, qd = ${now + 3_600_000} }), 'PX', 3600000)`,
      1,
      keys.state,
    );
    const store = new RedisWindowStore(redis, secret);
    const at = (offset: number) => escalating('192.0.2.44', 'r', offset);
    const { results } = await store.apply([at(5), at(6)]);
    // Offset 5 was applied before the upgrade; offset 6 is a second offence: ttl doubled.
    expect(results.map((r) => [r.applied, r.claim?.offence, r.claim?.ttlMs])).toEqual([
      [false, undefined, undefined],
      [true, 2, 2000],
    ]);
    const state = (await redis.getBuffer(keys.state))!;
    expect(state.includes(Buffer.from('oldfield'))).toBe(false);
    expect(await redis.exists(keys.offences)).toBe(1);
  });

  it('keeps the outbox of such a value (routes in clear) and drops its lapsed offences', async () => {
    const redis = connect();
    const secret = uniqueName('upgrade-outbox-secret-long-enough');
    const keys = new RedisKeys(secret).actor('user', 'mallory');
    const now = Date.now();
    // An offence past its deadline, and one lockout granted but never published.
    await redis.eval(
      `redis.call('SET', KEYS[1], cmsgpack.pack({
         w = {}, x = {}, o = { r = { 1000, 1, 0, 2000, ${now - 1} } },
         p = ${now + 86_400_000} }), 'PX', 3600000)
       redis.call('HSET', KEYS[2], 'r|500|1',
         cjson.encode({ rule = 'r', ts = 500, o = 1, t = 1000, r = { 9 }, rt = '/files/:id' }))`,
      2,
      keys.state,
      keys.outbox,
    );
    const store = new RedisWindowStore(redis, secret);
    const { results, recovered } = await store.apply([
      {
        observation: {
          kind: 'counter',
          key: { rule: 'r', scope: 'user', subject: 'mallory' },
          ts: 10_000,
          window: { windowMs: 60_000, bucketMs: 5_000 },
          add: [1],
        },
        fire: { atLeast: [100] },
        lockout: { ttlMs: 1000 },
        position: { stream: 'logs:0', offset: 1 },
      },
    ]);
    expect(results.map((r) => [r.applied, r.reading])).toEqual([[true, [1]]]);
    expect(recovered).toEqual([
      {
        key: { rule: 'r', scope: 'user', subject: 'mallory', route: '/files/:id' },
        eventTs: 500,
        offence: 1,
        ttlMs: 1000,
        reading: [9],
      },
    ]);
    expect(await redis.exists(keys.offences)).toBe(0);
    // Rewritten in this layout, its offences no longer inside.
    const layout = `local s = cmsgpack.unpack(redis.call('GET', KEYS[1]))
      return { s.v or -1, s.o == nil and 1 or 0 }`;
    expect(await redis.eval(layout, 1, keys.state)).toEqual([2, 1]);
  });

  it("follows a lift on such a value: its positions and another rule's offences kept", async () => {
    const redis = connect();
    const secret = uniqueName('upgrade-lift-secret-long-enough');
    const keys = new RedisKeys(secret).actor('ip', '192.0.2.45');
    const now = Date.now();
    // r: an offence whose lock lapsed; q: locked until event time 10^12; offset 5 applied.
    await redis.eval(
      `redis.call('SET', KEYS[1], cmsgpack.pack({
         w = {}, x = {},
         o = { r = { 1000, 1, 0, 1000000000000, ${now + 3_600_000} },
               q = { 1000000000000, 1, 0, 1000000000000, ${now + 3_600_000} } },
         q = { ['logs:0'] = 5 }, qd = ${now + 3_600_000} }), 'PX', 3600000)`,
      1,
      keys.state,
    );
    const store = new RedisWindowStore(redis, secret);
    await store.lift({ scope: 'ip', subject: '192.0.2.45', rules: ['r'], graceUntilMs: 0 });
    const at = (rule: string, offset: number) => escalating('192.0.2.45', rule, offset);
    const { results } = await store.apply([at('r', 5), at('r', 6), at('q', 7)]);
    expect(results.map((r) => [r.applied, r.claim?.granted, r.claim?.offence])).toEqual([
      [false, undefined, undefined],
      // r's offence was forgotten by the lift: a first offence, not a second.
      [true, true, 1],
      [true, false, 1],
    ]);
  });
});
