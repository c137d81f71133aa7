// The Redis window store passes the same contract suite as the memory store, against
// a real Redis, and keeps nothing personal in its key names.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { describeWindowStore } from '../../src/window/store-contract.js';
import { RedisWindowStore } from '../../src/window/redis-store.js';
import { uniqueName } from '../support/kafka.js';

const redisUrl = inject('redisUrl');
const connections: Redis[] = [];

function connect(): Redis {
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  connections.push(redis);
  return redis;
}

afterAll(() => {
  for (const redis of connections) redis.disconnect();
});

// A fresh secret per store: the suite's actors never meet each other's state.
describeWindowStore(
  'redis',
  async () => new RedisWindowStore(connect(), uniqueName('secret-secret-secret-secret')),
);

describe('redis window store keys', () => {
  it('names no IP, user or route, and expires every key', async () => {
    const redis = connect();
    const secret = uniqueName('key-secret-that-is-long-enough');
    const store = new RedisWindowStore(redis, secret);
    await store.apply([
      {
        observation: {
          kind: 'sequence',
          key: {
            rule: 'scan',
            scope: 'user',
            subject: 'alice@example.com',
            route: '/api/users/:id',
          },
          ts: Date.now(),
          window: { windowMs: 60_000, bucketMs: 5_000 },
          id: 7,
          maxGap: 4,
          recentIds: 4,
        },
        fire: { atLeast: [1] },
        lockout: { ttlMs: 60_000 },
        position: { stream: 'logs:0', offset: 1 },
      },
    ]);
    const tag = new (await import('../../src/window/keys.js')).RedisKeys(secret).actorTag(
      'user',
      'alice@example.com',
    );
    const keys = await redis.keys(`eg:{${tag}}:*`);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key).not.toContain('alice');
      expect(key).not.toContain('/api');
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
    }
  });
});
