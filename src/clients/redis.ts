// The connection to the window store's Redis, one node or a Cluster, as the store
// needs it: failing fast while Redis is away (the batch processor retries the whole
// batch, and redelivered steps count once) rather than queueing commands.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';

export function connectRedis(config: Omit<Config['redis'], 'keyPrefix'>): Redis | Cluster {
  const options: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(config.retryMaxMs, config.retryMinMs * 2 ** attempt),
  };
  if (config.clusterNodes) {
    // No auto-pipelining on a Cluster: ioredis picks a pipeline's node by the first
    // argument, which for a script call is its number of keys, not a key, and so mixes
    // shards of different nodes in one pipeline (refused). Each call goes to its
    // shard's node on its own; they still share the sockets without waiting.
    return new Cluster([...config.clusterNodes], {
      redisOptions: options,
      enableOfflineQueue: false,
    });
  }
  // One node: a batch's calls leave in one write.
  return new Redis(config.url!, { ...options, enableAutoPipelining: true });
}
