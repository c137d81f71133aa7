// The threads of `replay --workers N`, seen from the first: it starts the N-1 others
// (shard-peer.ts) with a message channel between every two of them, runs shard 0
// itself, and gathers what the others counted when they are done. Why the split is
// exact: shard.ts.
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { DerivedBreadthKey, DistinctHash } from '../detect/index.js';
import type { EventFormat } from '../event/index.js';
import type { RuleSet } from '../rules/load.js';
import { ExfilguardError } from '../vocabulary/errors.js';
import type { EvictionCounts } from '../window/eviction.js';
import { MemoryWindowStore } from '../window/memory-store.js';
import { ShardedStore } from './shard.js';

/**
 * Young generation of a bulk thread (the command's, and each replay worker's): V8
 * makes two semi-spaces of 32 MiB of it. Why: commands/worker-thread.ts.
 */
export const BULK_YOUNG_GENERATION_MB = 96;

/**
 * How far a bulk command's old generation grows past what a full collection kept before
 * the next one: 50 %, where V8 chose ~150 % for a replay. Why: commands/worker-thread.ts.
 */
export const BULK_HEAP_GROWING_PERCENT = 50;

/** What every thread replays, and how (replay.ts's options, for threads). */
export interface ShardTeamSetup {
  readonly count: number;
  readonly inputs: readonly string[];
  readonly format: EventFormat;
  readonly reorderMs: number;
  readonly batchSize: number | undefined;
  /** The whole cap, split evenly over the shards. */
  readonly maxWindows: number | undefined;
  readonly ruleSet: RuleSet;
  readonly distinctHash: DistinctHash;
}

/** What a worker thread is started with (shard-peer.ts reads it). */
export interface ShardPeerData extends Omit<ShardTeamSetup, 'count' | 'distinctHash'> {
  readonly shard: number;
  /** To each other shard, by shard index; undefined at its own. */
  readonly ports: readonly (MessagePort | undefined)[];
  /** This shard's cap (the whole cap divided by the shards). */
  readonly maxWindows: number | undefined;
  readonly breadthKey: DerivedBreadthKey;
}

/** What a worker posts when its replay is over (or `failed`, with the error's words). */
export type ShardPeerReport = { readonly evicted: EvictionCounts } | { readonly failed: string };

export interface ShardTeam {
  /** Shard 0's store, on this thread. */
  readonly store: ShardedStore;
  /** Once every worker is done: the actors and windows evicted by all shards. */
  finished(): Promise<EvictionCounts>;
  /** Ends the workers (done or not) and the channels. */
  stop(): Promise<void>;
}

/** Whether this build can start worker threads: tsx's TypeScript cannot (node 20). */
export function canStartShardPeers(): boolean {
  return !import.meta.url.endsWith('.ts');
}

export function startShardTeam(setup: ShardTeamSetup): ShardTeam {
  const { count } = setup;
  const ports = channelsBetween(count);
  const maxWindows =
    setup.maxWindows === undefined ? undefined : Math.ceil(setup.maxWindows / count);
  const local = new MemoryWindowStore(maxWindows === undefined ? {} : { maxWindows });
  const store = new ShardedStore(0, ports[0]!, local);
  const entry = new URL('./shard-peer.js', import.meta.url);
  const peers: Worker[] = [];
  const reports: Promise<EvictionCounts>[] = [];
  for (let shard = 1; shard < count; shard += 1) {
    const own = ports[shard]!;
    const data: ShardPeerData = {
      shard,
      ports: own,
      inputs: setup.inputs,
      format: setup.format,
      reorderMs: setup.reorderMs,
      batchSize: setup.batchSize,
      maxWindows,
      ruleSet: setup.ruleSet,
      breadthKey: setup.distinctHash.derivedKey(),
    };
    const worker = new Worker(entry, {
      workerData: data,
      transferList: own.filter((port): port is MessagePort => port !== undefined),
      resourceLimits: { maxYoungGenerationSizeMb: BULK_YOUNG_GENERATION_MB },
    });
    peers.push(worker);
    reports.push(reportOf(worker, shard, count, store));
  }
  // Until `finished` is asked for, a failure is the store's to report (it fails the call).
  for (const report of reports) report.catch(() => undefined);
  return {
    store,
    finished: async () => {
      const total = { ...store.local.evicted };
      for (const evicted of await Promise.all(reports)) {
        total.actors += evicted.actors;
        total.windows += evicted.windows;
      }
      return total;
    },
    stop: async () => {
      for (const port of ports[0]!) port?.close();
      await Promise.all(peers.map((worker) => worker.terminate()));
    },
  };
}

/** A port for each shard to each other one: `ports[a][b]` talks to `ports[b][a]`. */
export function channelsBetween(count: number): (MessagePort | undefined)[][] {
  const ports: (MessagePort | undefined)[][] = Array.from({ length: count }, () =>
    new Array<MessagePort | undefined>(count).fill(undefined),
  );
  for (let a = 0; a < count; a += 1) {
    for (let b = a + 1; b < count; b += 1) {
      const { port1, port2 } = new MessageChannel();
      ports[a]![b] = port1;
      ports[b]![a] = port2;
    }
  }
  return ports;
}

/** The worker's evictions once it is done; a failure also fails the store's calls. */
function reportOf(
  worker: Worker,
  shard: number,
  count: number,
  store: ShardedStore,
): Promise<EvictionCounts> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      store.fail(error);
      reject(error);
    };
    worker.on('message', (report: ShardPeerReport) => {
      if ('evicted' in report) resolve(report.evicted);
      else fail(failure(shard, count, report.failed));
    });
    worker.on('error', (error: Error) => {
      fail(
        outOfMemory(error, `replay worker ${shard} of ${count}`, '--max-windows or --workers') ??
          failure(shard, count, error.message, error),
      );
    });
    // After its report, an exit is the one `stop` asks for.
    worker.on('exit', (code) => fail(failure(shard, count, `stopped with code ${code}`)));
  });
}

/**
 * A thread stopped over its heap limit (the process goes on), as OUT_OF_MEMORY saying
 * what to lower; undefined for any other error. `who` ran out; `lower`: the options.
 */
export function outOfMemory(
  error: Error & { code?: string },
  who: string,
  lower: string,
): ExfilguardError | undefined {
  if (error.code !== 'ERR_WORKER_OUT_OF_MEMORY') return undefined;
  return new ExfilguardError(
    'OUT_OF_MEMORY',
    `${who} ran out of heap: lower ${lower}, or give node more heap (NODE_OPTIONS=--max-old-space-size=MiB)`,
    { cause: error },
  );
}

function failure(shard: number, count: number, why: string, cause?: Error): ExfilguardError {
  return new ExfilguardError(
    'REPLAY_WORKER_FAILED',
    `replay worker ${shard} of ${count} failed: ${why}; run with --workers 1 to see the error on one thread`,
    cause && { cause },
  );
}
