// The Redis window store passes the same contract suite as the memory store, against
// a real Redis, and keeps nothing personal in its key names.
import { describe, expect, it } from 'vitest';
import { describeWindowStore } from '../contract/window-store-contract.js';
import { RedisKeys } from '../../src/window/keys.js';
import { RedisWindowStore } from '../../src/window/redis-store.js';
import type { Step } from '../../src/window/store.js';
import { uniqueName } from '../support/kafka.js';
import { redisConnector } from '../support/redis-connections.js';

const connect = redisConnector();

// A fresh secret per store: the suite's actors never meet each other's state.
describeWindowStore(
  'redis',
  async () => new RedisWindowStore(connect(), uniqueName('secret-secret-secret-secret')),
);

describe('redis window store keys', () => {
  it('names no actor in key names, and expires every key', async () => {
    const redis = connect();
    const secret = uniqueName('key-secret-that-is-long-enough');
    const store = new RedisWindowStore(redis, secret);
    const key = { rule: 'scan', scope: 'user' as const, subject: 'alice@example.com' };
    await store.apply([
      {
        observation: {
          kind: 'sequence',
          key: { ...key, route: '/api/users/:id' },
          ts: Date.now(),
          window: { windowMs: 60_000, bucketMs: 5_000 },
          id: 48_213_907,
          maxGap: 4,
          recentIds: 4,
        },
        fire: { atLeast: [0] },
        lockout: { ttlMs: 60_000 },
        position: { stream: 'logs:0', offset: 1 },
      },
    ]);
    const tag = new RedisKeys(secret).actorTag('user', 'alice@example.com');
    // Hash tag: the actor's shard; the name: the actor's tag. State, outbox, offences.
    const keys = await redis.keys(`eg:{*}:${tag}*`);
    expect(keys).toHaveLength(3);
    for (const name of keys) {
      expect(name).not.toContain('alice');
      expect(name).not.toContain('/api');
      expect(await redis.pttl(name)).toBeGreaterThan(0);
    }
  });
});

describe('redis window store lift', () => {
  it('expires every key it writes, its grace marker an hour after the grace, and names nobody', async () => {
    const redis = connect();
    const secret = uniqueName('lift-secret-that-is-long-enough');
    const store = new RedisWindowStore(redis, secret);
    const now = Date.now();
    const at = (ts: number, offset: number): Step => ({
      observation: {
        kind: 'counter',
        key: { rule: 'scan', scope: 'ip', subject: '203.0.113.8' },
        ts,
        window: { windowMs: 60_000, bucketMs: 5_000 },
        add: [1],
      },
      fire: { atLeast: [2] },
      lockout: { ttlMs: 600_000 },
      position: { stream: 'logs:0', offset },
    });
    await store.apply([at(now, 1), at(now + 1, 2)]);
    const graceUntilMs = now + 120_000;
    await store.lift({ scope: 'ip', subject: '203.0.113.8', rules: ['scan'], graceUntilMs });
    const keys = new RedisKeys(secret).actor('ip', '203.0.113.8');
    // The outbox's only lockout was the lifted rule's: gone, and the hash with it.
    expect(await redis.exists(keys.outbox)).toBe(0);
    // The state keeps its positions (an hour), the offences the marker.
    for (const name of [keys.state, keys.offences]) {
      expect(name).not.toContain('203.0.113.8');
      expect(await redis.pttl(name)).toBeGreaterThan(0);
    }
    const markerTtl = await redis.pttl(keys.offences);
    expect(markerTtl).toBeGreaterThan(graceUntilMs - Date.now() + 3_590_000);
    expect(markerTtl).toBeLessThanOrEqual(graceUntilMs - now + 3_600_000);
    const offences = (await redis.getBuffer(keys.offences))!;
    expect(offences.toString('latin1')).not.toContain('203.0.113.8');
  });
});

describe('redis window store shards', () => {
  /** Two subjects whose actors share a shard, so one script call serves both. */
  function shardMates(secret: string): [string, string] {
    const keys = new RedisKeys(secret);
    const first = new Map<number, string>();
    for (let i = 0; ; i += 1) {
      const subject = `198.51.100.${i}`;
      const { shard } = keys.actor('ip', subject);
      const mate = first.get(shard);
      if (mate !== undefined) return [mate, subject];
      first.set(shard, subject);
    }
  }

  it('keeps windows, positions and pending lockouts of shard mates apart', async () => {
    const secret = uniqueName('shard-secret-that-is-long-enough');
    const [a, b] = shardMates(secret);
    const redis = connect();
    const store = new RedisWindowStore(redis, secret);
    const window = { windowMs: 60_000, bucketMs: 5_000 };
    const at = (subject: string, ts: number, offset: number, threshold = 3): Step => ({
      observation: {
        kind: 'counter',
        key: { rule: 'r', scope: 'ip', subject },
        ts,
        window,
        add: [1],
      },
      fire: { atLeast: [threshold] },
      lockout: { ttlMs: 60_000 },
      position: { stream: 'logs:0', offset },
    });
    const first = await store.apply([at(a, 0, 10), at(a, 1, 11), at(a, 2, 12)]);
    expect(first.results.map((r) => [r.applied, r.reading[0], r.claim?.granted])).toEqual([
      [true, 1, undefined],
      [true, 2, undefined],
      [true, 3, true],
    ]);
    // b's offsets are below a's: b is another actor, so they count.
    const second = await store.apply([at(b, 3, 5), at(a, 3, 12), at(b, 4, 6)]);
    expect(second.results.map((r) => [r.applied, r.reading[0]])).toEqual([
      [true, 1],
      [false, 3],
      [true, 2],
    ]);
    // a's unconfirmed lockout comes back with a, never with b.
    expect(second.recovered.map((l) => l.key.subject)).toEqual([a]);
    const third = await store.apply([at(b, 5, 7)]);
    expect(third.recovered).toEqual([]);
    expect(third.results[0]!.claim?.granted).toBe(true);
  });
});

describe('redis window store, two instances on one actor', () => {
  it('loses no update: a commit that finds the value changed reads it again and redoes its steps', async () => {
    const secret = uniqueName('two-instances-secret-long-enough');
    // One connection: both instances' reads leave before either commit, so the second
    // commit of every round finds the value the first one wrote (a conflict each round).
    const redis = connect();
    const [first, second] = [
      new RedisWindowStore(redis, secret),
      new RedisWindowStore(redis, secret),
    ];
    const ts = Date.now();
    const step = (stream: string, offset: number): Step => ({
      observation: {
        kind: 'counter',
        key: { rule: 'requests', scope: 'ip', subject: '192.0.2.99' },
        ts,
        window: { windowMs: 600_000, bucketMs: 60_000 },
        add: [1],
      },
      fire: { atLeast: [10_000] },
      lockout: { ttlMs: 60_000 },
      position: { stream, offset },
    });
    const batch = (stream: string, round: number) =>
      Array.from({ length: 5 }, (_, i) => step(stream, round * 5 + i));
    for (let round = 0; round < 20; round += 1) {
      await Promise.all([first.apply(batch('a:0', round)), second.apply(batch('b:0', round))]);
    }
    const { results } = await first.apply([step('a:0', 1_000)]);
    // 20 rounds × 2 instances × 5 steps, and this one: every step counted once.
    expect(results[0]!.reading).toEqual([201]);
  });
});
