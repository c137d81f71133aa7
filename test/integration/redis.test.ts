// The real Redis runs Lua scripts by SHA, which is how the window store will talk to it.
import { describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { uniqueName } from '../support/kafka.js';

const redisUrl = inject('redisUrl');

describe('Redis', () => {
  it('runs a Lua script with EVALSHA and returns its result', async () => {
    const redis = new Redis(redisUrl);
    const prefix = uniqueName('evalsha');
    try {
      const script = `
        local total = redis.call('INCRBY', KEYS[1], ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return {total, redis.call('PTTL', KEYS[1])}`;
      const sha = (await redis.script('LOAD', script)) as string;
      expect(sha).toMatch(/^[0-9a-f]{40}$/);
      const key = `${prefix}:{subject}:count`;
      await redis.evalsha(sha, 1, key, 5, 60_000);
      const [total, ttl] = (await redis.evalsha(sha, 1, key, 7, 60_000)) as [number, number];
      expect(total).toBe(12);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await redis.get(key)).toBe('12');
    } finally {
      redis.disconnect();
    }
  });
});
