// The Redis window store on a Redis Cluster (EXFILGUARD_REDIS_CLUSTER_NODES): three
// redis-server nodes of this file's own. A script call may only touch keys of one
// slot, so the store makes one call per shard there, each sent to the node that owns
// it: the same contract suite, and the same results as the reference store (store-differential.ts).
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRedisCluster } from '../../scripts/redis/local-redis-cluster.js';
import { RedisKeys } from '../../src/window/keys.js';
import { connectRedis } from '../../src/clients/redis.js';
import { RedisWindowStore } from '../../src/window/redis-store.js';
import { describeWindowStore } from '../contract/window-store-contract.js';
import { uniqueName } from '../support/kafka.js';
import { expectSameAsReference } from '../support/store-differential.js';

let servers: LocalRedisCluster;
let cluster: Cluster;

beforeAll(async () => {
  servers = await LocalRedisCluster.start(3);
  // As `exfilguard run` connects with EXFILGUARD_REDIS_CLUSTER_NODES=host:port,…
  cluster = connectRedis({
    clusterNodes: servers.nodes.map((node) => `${node.host}:${node.port}`),
    retryMinMs: 100,
    retryMaxMs: 1000,
    commandTimeoutMs: 5000,
  }) as Cluster;
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve);
    cluster.once('error', reject);
  });
}, 60_000);

afterAll(async () => {
  cluster.disconnect();
  await servers.stop();
});

describeWindowStore(
  'redis cluster',
  async () => new RedisWindowStore(cluster, uniqueName('cluster-secret-0123456789abcdef')),
);

describe('redis window store on a cluster', () => {
  it("gives the reference store's results on random streams, its actors spread over the nodes", async () => {
    await expectSameAsReference(
      () => new RedisWindowStore(cluster, uniqueName('cluster-differential-0123456789')),
      30,
    );
  });

  it('holds the actors of one batch on more than one node, so the cluster path is exercised', async () => {
    const secret = uniqueName('cluster-spread-0123456789abcdef');
    const keys = new RedisKeys(secret);
    // Twelve actors: all on one of three nodes by chance once in ~60,000 runs.
    const subjects = Array.from({ length: 12 }, (_, i) => `192.0.2.${i + 1}`);
    const slots = subjects.map((subject) => keys.actor('ip', subject).state);
    await new RedisWindowStore(cluster, secret).apply(
      subjects.map((subject) => ({
        observation: {
          kind: 'counter',
          key: { rule: 'r', scope: 'ip', subject },
          ts: Date.now(),
          window: { windowMs: 60_000, bucketMs: 5_000 },
          add: [1],
        },
        fire: { atLeast: [100] },
        lockout: { ttlMs: 60_000 },
      })),
    );
    // Which node holds each state value: its slot's owner.
    const owners = new Set<string>();
    for (const key of slots) {
      const slot = Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
      const node = cluster.slots[slot]?.[0];
      expect(node).toBeDefined();
      expect(await cluster.exists(key)).toBe(1);
      owners.add(node!);
    }
    expect(owners.size).toBeGreaterThan(1);
  });
});
