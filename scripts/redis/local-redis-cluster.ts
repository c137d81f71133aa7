// A Redis Cluster of our own on loopback, for the tests of the window store on a
// cluster (EXFILGUARD_REDIS_CLUSTER_NODES): a few redis-server nodes in cluster mode,
// the 16,384 slots split between them, no replicas. Set up with plain commands
// (CLUSTER ADDSLOTSRANGE, CLUSTER MEET), so it needs redis-server and nothing else.
import { Redis } from 'ioredis';
import { freePort } from '../lib/service-process.js';
import { LocalRedis } from './local-redis.js';

const SLOTS = 16_384;

export class LocalRedisCluster {
  private constructor(
    private readonly servers: LocalRedis[],
    private readonly busPorts: number[],
  ) {}

  /** Where a client starts: every node (ioredis learns the slots from any of them). */
  get nodes(): { host: string; port: number }[] {
    return this.servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
  }

  static async start(count = 3, timeoutMs = 30_000): Promise<LocalRedisCluster> {
    const servers: LocalRedis[] = [];
    const busPorts: number[] = [];
    try {
      for (let i = 0; i < count; i += 1) {
        busPorts.push(await freePort());
        servers.push(await LocalRedis.start({ clusterBusPort: busPorts[i]! }));
      }
      const cluster = new LocalRedisCluster(servers, busPorts);
      await cluster.form(timeoutMs);
      return cluster;
    } catch (error) {
      await Promise.all(servers.map((server) => server.stop()));
      throw error;
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop()));
  }

  private async form(timeoutMs: number): Promise<void> {
    const clients = this.servers.map((server) => new Redis(server.port, '127.0.0.1'));
    try {
      const share = Math.ceil(SLOTS / clients.length);
      await Promise.all(
        clients.map((client, i) =>
          client.call(
            'CLUSTER',
            'ADDSLOTSRANGE',
            String(i * share),
            String(Math.min(SLOTS, (i + 1) * share) - 1),
          ),
        ),
      );
      for (let i = 1; i < this.servers.length; i += 1) {
        const port = String(this.servers[i]!.port);
        await clients[0]!.call('CLUSTER', 'MEET', '127.0.0.1', port, String(this.busPorts[i]));
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const infos = await Promise.all(clients.map((c) => c.call('CLUSTER', 'INFO')));
        if (infos.every((info) => String(info).includes('cluster_state:ok'))) return;
        if (Date.now() > deadline)
          throw new Error(`Redis Cluster not formed in ${timeoutMs} ms: ${String(infos[0])}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      for (const client of clients) client.disconnect();
    }
  }
}
