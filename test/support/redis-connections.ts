// Connections to the integration run's shared Redis for a test file, each closed after
// the file's tests (call once at the top level of the file).
import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';

export function redisConnector(): () => Redis {
  const url = inject('redisUrl');
  const connections: Redis[] = [];
  afterAll(() => {
    for (const redis of connections) redis.disconnect();
  });
  return () => {
    const redis = new Redis(url, { enableAutoPipelining: true });
    connections.push(redis);
    return redis;
  };
}
