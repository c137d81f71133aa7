// `replay --workers N` (src/replay/shard.ts): the window state split over N shards, each
// with its own memory store, must give the lockouts one store gives, ids, order and
// evidence included, and the same summary. Here the N shards run in this thread,
// joined by real message channels (the channels the worker threads use), each running
// the replay loop over the same log; test/unit/replay-thread.test.ts runs the built
// CLI with real threads.
//
// The log holds what crosses actors, where a split could go wrong: a distributed sweep
// (a route's window feeds its participants' steps, on other shards) over fresh sessions
// (their lockouts feed their addresses' hostile-address windows, again elsewhere),
// beside single-address scans, an export pull and real traffic.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockoutCommand } from '../../src/decide/lockout.js';
import type { AccessEvent } from '../../src/event/access-event.js';
import { runReplay, type ReplaySummary } from '../../src/replay/replay.js';
import { shardOf, ShardedStore } from '../../src/replay/shard.js';
import { channelsBetween, startShardTeam } from '../../src/replay/shard-team.js';
import {
  distributedSweep,
  exportPull,
  idScan,
  natOffice,
  sortedByTime,
} from '../../src/simulate/index.js';
import { DistinctHash } from '../../src/detect/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';
import type { Step } from '../../src/window/store.js';
import { readRealLog, REAL_LOG_START } from '../support/scenarios.js';
import { rules, START, SWEEP } from '../support/sweep-figures.js';

const loaded = await loadRules({ dirs: [], shipped: true });
let dir: string;
let log: string;

function logEvents(): AccessEvent[] {
  const sweep = distributedSweep({
    ...SWEEP,
    addresses: 300,
    freshSessions: true,
    requestsEach: [5, 5],
  });
  const scans = [0, 1, 2].map((k) =>
    idScan({
      name: `scan-${k}`,
      seed: 16_000 + k,
      start: START + k * 7 * 60_000,
      identity: { ip: `198.51.100.${10 + k}` },
      route: '/api/users',
      firstId: 1000 * (k + 1),
      count: 400,
      order: 'ascending',
      everyMs: 1000,
    }),
  );
  const pull = exportPull({
    name: 'export',
    seed: 16_100,
    start: START + 3 * 60_000,
    identity: { ip: '203.0.113.40', session: 'export-session', user: 'export-user' },
    pages: 12,
    everyMs: 20_000,
  });
  const office = natOffice({
    name: 'office',
    seed: 16_200,
    start: START,
    ip: '192.0.2.200',
    durationMs: 30 * 60_000,
  });
  // Real traffic, moved to the simulated hour.
  const real = readRealLog()
    .slice(0, 3000)
    .map((event) => ({ ...event, ts: event.ts - REAL_LOG_START + START }));
  return sortedByTime([sweep, ...scans, pull, office].flatMap((a) => a.events).concat(real));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exfilguard-workers-'));
  log = join(dir, 'mixed.jsonl');
  await writeFile(
    log,
    `${logEvents()
      .map((e) => JSON.stringify(e))
      .join('\n')}\n`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A memory store that counts the steps it applies, and the most windows it held after a call. */
class CountingStore extends MemoryWindowStore {
  steps = 0;
  peakWindows = 0;

  constructor(private readonly capped?: { maxWindows: number }) {
    super(capped);
  }

  override async apply(steps: Parameters<MemoryWindowStore['apply']>[0]) {
    this.steps += steps.length;
    const result = await super.apply(steps);
    // Counted only under a cap: it walks every actor.
    if (this.capped) this.peakWindows = Math.max(this.peakWindows, this.trackedWindows);
    return result;
  }
}

const options = () => ({ inputs: [log], rules, format: 'json' as const, reorderMs: 120_000 });

/** The log replayed by one store: what every split must give. */
async function onOneStore(batchSize?: number) {
  const lockouts: LockoutCommand[] = [];
  const store = new CountingStore();
  const summary = await runReplay(
    { ...options(), ...(batchSize && { batchSize }) },
    { onLockout: (l) => lockouts.push(l) },
    store,
    store.evicted,
    performance.now(),
  );
  return { lockouts, summary, steps: store.steps };
}

/** The log replayed by `shards` shards in this thread; shard 0's lockouts and summary. */
async function onShards(shards: number, batchSize?: number, maxWindows?: number) {
  const ports = channelsBetween(shards);
  const stores = ports.map(
    (own, shard) =>
      new ShardedStore(shard, own, new CountingStore(maxWindows ? { maxWindows } : undefined)),
  );
  const announced: LockoutCommand[][] = stores.map(() => []);
  try {
    const summaries = await Promise.all(
      stores.map((store, shard) =>
        runReplay(
          { ...options(), ...(batchSize && { batchSize }) },
          { onLockout: (l) => announced[shard]!.push(l) },
          store,
          store.local.evicted,
          performance.now(),
        ),
      ),
    );
    return { announced, summaries, stores };
  } finally {
    for (const own of ports) for (const port of own) port?.close();
  }
}

const untimed = ({ seconds: _s, ...rest }: ReplaySummary) => rest;

/** A step of another shard's actor (192.0.2.1 is shard 1's of 2), or of this one's. */
function counterStep(): Step {
  return {
    observation: {
      kind: 'counter',
      key: { rule: 'r', scope: 'ip', subject: '192.0.2.1' },
      ts: START,
      window: { windowMs: 60_000, bucketMs: 6_000 },
      add: [1],
    },
    fire: { atLeast: [null] },
    lockout: rules.rules[0]!.lockout,
  };
}

// Several replays of the whole log each: a unit test's default 5 s is too short.
describe('replay split over shards (replay --workers)', { timeout: 60_000 }, () => {
  it('gives one store’s lockouts, ids and order included, on 2 and on 3 shards', async () => {
    const one = await onOneStore();
    const byRule = one.summary.lockoutsByRule;
    // The log must hold what crosses shards, or the comparison proves little.
    expect(byRule['distributed-sweep']).toBeGreaterThan(10);
    expect(byRule['hostile-address']).toBeGreaterThan(3);
    expect(byRule['sequential-id-scan']).toBeGreaterThan(0);
    expect(one.lockouts.length).toBeGreaterThan(50);
    for (const shards of [2, 3]) {
      const { announced, summaries, stores } = await onShards(shards);
      // Every shard finds the same lockouts (the first announces them).
      for (const found of announced) expect(found).toEqual(one.lockouts);
      for (const summary of summaries) expect(untimed(summary)).toEqual(untimed(one.summary));
      // Every step applied once, by one shard, and every shard had its part.
      const applied = stores.map((s) => (s.local as CountingStore).steps);
      for (const count of applied) expect(count).toBeGreaterThan(one.steps / (2 * shards));
      expect(applied.reduce((a, b) => a + b)).toBe(one.steps);
    }
  });

  it('gives the same lockouts whatever the batch size, as one store does', async () => {
    const one = await onOneStore(137);
    const { announced } = await onShards(2, 137);
    expect(announced[0]).toEqual(one.lockouts);
    expect(announced[0]).toEqual((await onOneStore()).lockouts);
  });

  it('keeps each shard under its share of the cap, and counts evictions per shard', async () => {
    const { summaries, stores } = await onShards(2, undefined, 300);
    for (const store of stores) {
      expect((store.local as CountingStore).peakWindows).toBeLessThanOrEqual(300);
      expect((store.local as CountingStore).peakWindows).toBeGreaterThan(200);
    }
    const evicted = stores.map((s) => s.local.evicted.actors);
    expect(evicted.every((n) => n > 0)).toBe(true);
    expect(summaries[1]!.evicted).toEqual(stores[1]!.local.evicted);
  });

  it('spreads actors over the shards by scope and subject, the same on every thread', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i += 1) counts[shardOf('ip', `10.0.${i >> 8}.${i & 255}`, 3)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    // The scope is part of the key: the same string as a user and as a session may differ.
    const apart = Array.from({ length: 100 }, (_, i) => `subject-${i}`).filter(
      (s) => shardOf('user', s, 2) !== shardOf('session', s, 2),
    );
    expect(apart.length).toBeGreaterThan(20);
    expect(shardOf('ip', '192.0.2.1', 1)).toBe(0);
  });

  it('stops with REPLAY_WORKER_FAILED when a worker thread cannot run', async () => {
    // Run by tsx, the worker's entry (shard-peer.js beside shard-team.ts) does not exist:
    // the thread fails as it starts, as one that crashed would.
    const team = startShardTeam({
      count: 2,
      inputs: [log],
      format: 'json',
      reorderMs: 120_000,
      batchSize: undefined,
      maxWindows: undefined,
      ruleSet: loaded.ruleSet,
      distinctHash: DistinctHash.builtIn(),
    });
    try {
      const failed = await team.store.apply([counterStep()]).catch((error: unknown) => error);
      expect(failed).toMatchObject({ code: 'REPLAY_WORKER_FAILED' });
      expect(String(failed)).toContain('replay worker 1 of 2 failed');
      await expect(team.finished()).rejects.toMatchObject({ code: 'REPLAY_WORKER_FAILED' });
    } finally {
      await team.stop();
    }
  });

  it('fails every waiting call when a shard fails, instead of waiting for ever', async () => {
    const ports = channelsBetween(2);
    const store = new ShardedStore(0, ports[0]!, new MemoryWindowStore());
    try {
      const step = counterStep();
      const waiting = store.apply([step]);
      store.fail(new Error('worker 1 stopped'));
      await expect(waiting).rejects.toThrow('worker 1 stopped');
      await expect(store.apply([step])).rejects.toThrow('worker 1 stopped');
    } finally {
      for (const own of ports) for (const port of own) port?.close();
    }
  });
});
