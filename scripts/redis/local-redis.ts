// A redis-server of our own on a free loopback port, for tests. Never the shared
// instance on 6379: tests stop, freeze (SIGSTOP) and restart this one on purpose.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  portAccepts,
  startServiceProcess,
  stopServiceProcess,
  waitUntilReady,
  type ServiceProcess,
} from '../lib/service-process.js';

export interface LocalRedisOptions {
  /** Append-only file on: a restart keeps the data (tests of Redis restarts). */
  appendOnly?: boolean;
  /** The redis-server binary; $REDIS_SERVER_BIN or "redis-server" on PATH by default. */
  binary?: string;
  /** A Redis Cluster node, its cluster bus on this port (local-redis-cluster.ts). */
  clusterBusPort?: number;
  /** redis-server in a process group of its own (service-process.ts: the demo stops it itself). */
  ownProcessGroup?: boolean;
}

export class LocalRedis {
  private process: ServiceProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly options: LocalRedisOptions,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** redis-server's process id while it runs. */
  get pid(): number | undefined {
    return this.process?.child.pid;
  }

  static async start(options: LocalRedisOptions = {}): Promise<LocalRedis> {
    const dataDir = await mkdtemp(join(tmpdir(), 'exfilguard-redis-'));
    const redis = new LocalRedis(await freePort(), dataDir, options);
    await redis.resume();
    return redis;
  }

  /** Starts redis-server (again) on the same port and folder, and waits until it answers. */
  async resume(): Promise<void> {
    if (this.process) return;
    const binary = this.options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dataDir,
      // No RDB snapshots; AOF only when a test asks for durability.
      '--save',
      '',
      '--appendonly',
      this.options.appendOnly ? 'yes' : 'no',
      '--appendfsync',
      'everysec',
    ];
    if (this.options.clusterBusPort !== undefined) {
      args.push(
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(this.dataDir, 'nodes.conf'),
        // Not port + 10000, the default: that one may be taken, or past 65535.
        '--cluster-port',
        String(this.options.clusterBusPort),
      );
    }
    const service = startServiceProcess(binary, args, join(this.dataDir, 'redis.log'), {
      ownProcessGroup: this.options.ownProcessGroup ?? false,
    });
    this.process = service;
    await waitUntilReady('redis-server', service, () => portAccepts(this.port), 20_000).catch(
      (error: unknown) => {
        this.process = undefined;
        throw error;
      },
    );
  }

  /** Stops redis-server (SIGTERM: with AOF on, it flushes first); `resume` restarts it. */
  async pause(): Promise<void> {
    const service = this.process;
    this.process = undefined;
    if (service) await stopServiceProcess(service);
  }

  /** SIGSTOP: the server keeps its connections but answers nothing, like a hung host. */
  freeze(): void {
    this.process?.child.kill('SIGSTOP');
  }

  /** SIGCONT after `freeze`. */
  thaw(): void {
    this.process?.child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.thaw();
    await this.pause();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
