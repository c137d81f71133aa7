// Replay: log files through the same engine the streaming service runs, with the
// in-memory window store and event time as the clock, so a rule change can be judged
// on yesterday's logs. Composition root of the offline path:
//   files → lines → parse → reorder by event time → pipeline (batches) → lockouts.
import type { DistinctHash } from '../detect/index.js';
import type { AccessEvent, EventFormat } from '../event/index.js';
import type { LockoutCommand } from '../decide/lockout.js';
import { BatchTally, DetectionPipeline, type TraceEntry } from '../pipeline/index.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import type { RuleSet } from '../rules/load.js';
import { openLineSource } from '../source/files.js';
import type { EvictionCounts } from '../window/eviction.js';
import { MemoryWindowStore } from '../window/memory-store.js';
import type { ApplyResult, Step, WindowStore } from '../window/store.js';
import { EventOrder } from './event-order.js';
import { startShardTeam } from './shard-team.js';

export interface ReplayOptions {
  readonly inputs: readonly string[];
  readonly rules: CompiledRuleSet;
  readonly format: EventFormat;
  /** How far out of order events may arrive and still be put back in order. */
  readonly reorderMs: number;
  readonly batchSize?: number;
  /** Live windows kept at most; the least recently seen actors are evicted above it. */
  readonly maxWindows?: number;
  /** The window state split over threads (replay --workers; shard.ts): absent, one. */
  readonly workers?: ReplayWorkers;
}

/** What the other threads need to decide as this one does. */
export interface ReplayWorkers {
  /** Threads in all, this one included (at least 2; shard.ts MAX_WORKERS at most). */
  readonly count: number;
  /** The rules as loaded: each thread compiles its own (compiled rules hold functions). */
  readonly ruleSet: RuleSet;
  /** The breadth key the rules were compiled with. */
  readonly distinctHash: DistinctHash;
}

export interface ReplayHooks {
  readonly onLockout: (command: LockoutCommand) => void;
  /** Fraction of input bytes read, when the size is known. */
  readonly onProgress?: (fraction: number) => void;
  readonly trace?: (entry: TraceEntry) => void;
  /** Every store call's steps and answers (`rules suggest` reads the readings' figures). */
  readonly onApplied?: (steps: readonly Step[], result: ApplyResult) => void;
}

export interface ReplaySummary {
  lines: number;
  events: number;
  invalid: number;
  /** The first few rejections, `file:line: message`. */
  invalidSamples: string[];
  late: number;
  allowlisted: number;
  /** Events of known crawler networks on public routes, counted by no rule. */
  crawlers: number;
  lockoutsByRule: Record<string, number>;
  /** Actors (and their windows) evicted to stay under maxWindows: their state restarted. */
  evicted: EvictionCounts;
  /** Threads the window state was split over. */
  workers: number;
  seconds: number;
}

/** Lines between two progress reports (each redraws the bar on a terminal). */
const PROGRESS_LINES = 10_000;

export async function replay(options: ReplayOptions, hooks: ReplayHooks): Promise<ReplaySummary> {
  const began = performance.now();
  const { workers } = options;
  if (!workers || workers.count <= 1) {
    const store = new MemoryWindowStore({
      ...(options.maxWindows !== undefined && { maxWindows: options.maxWindows }),
    });
    return runReplay(options, hooks, store, store.evicted, began);
  }
  const team = startShardTeam({
    ...workers,
    inputs: options.inputs,
    format: options.format,
    reorderMs: options.reorderMs,
    batchSize: options.batchSize,
    maxWindows: options.maxWindows,
  });
  try {
    const summary = await runReplay(options, hooks, team.store, team.store.local.evicted, began);
    summary.evicted = await team.finished();
    summary.workers = workers.count;
    return summary;
  } finally {
    await team.stop();
  }
}

/**
 * The replay loop over `store`: one thread's, or each worker's over its shard (the
 * others run it with hooks that announce nothing, shard-peer.ts). `began`: for `seconds`.
 */
export async function runReplay(
  options: ReplayOptions,
  hooks: ReplayHooks,
  store: WindowStore,
  evicted: EvictionCounts,
  began: number,
): Promise<ReplaySummary> {
  const observed = hooks.onApplied ? observedStore(store, hooks.onApplied) : store;
  const pipeline = new DetectionPipeline(options.rules, observed, {
    issuedAt: (eventTs) => eventTs,
    ...(hooks.trace && { trace: hooks.trace }),
  });
  const summary = emptySummary(evicted);
  const batchSize = options.batchSize ?? 1000;
  const order = new EventOrder(options.reorderMs, options.format);
  const tally = new BatchTally();
  let batch: AccessEvent[] = [];
  const runBatch = async () => {
    const output = await pipeline.process(batch, undefined, tally);
    await pipeline.confirm(output);
    batch = [];
    for (const lockout of output.lockouts) {
      summary.lockoutsByRule[lockout.rule] = (summary.lockoutsByRule[lockout.rule] ?? 0) + 1;
      hooks.onLockout(lockout);
    }
  };

  const source = await openLineSource(options.inputs);
  for await (const { file, firstLine, splits } of source.chunks) {
    for (let i = 0; i < splits.length; i += 1) {
      const split = splits[i]!;
      if (split.kind === 'line' && split.text.length === 0) continue;
      summary.lines += 1;
      order.add(split, { file, line: firstLine + i, order: summary.lines }, batch);
      if (batch.length >= batchSize) await runBatch();
      if (hooks.onProgress && summary.lines % PROGRESS_LINES === 0 && source.totalBytes > 0) {
        hooks.onProgress(source.bytesRead() / source.totalBytes);
      }
    }
  }
  // The events still held, run in batches of the usual size.
  const rest: AccessEvent[] = [];
  order.flush(rest);
  for (const due of rest) {
    batch.push(due);
    if (batch.length >= batchSize) await runBatch();
  }
  await runBatch();
  summary.events = order.events;
  summary.invalid = order.invalid;
  summary.invalidSamples = order.invalidSamples;
  summary.late = order.late;
  summary.allowlisted = tally.allowlisted;
  summary.crawlers = tally.crawlers;
  summary.seconds = (performance.now() - began) / 1000;
  await store.close();
  return summary;
}

function emptySummary(evicted: EvictionCounts): ReplaySummary {
  return {
    lines: 0,
    events: 0,
    invalid: 0,
    invalidSamples: [],
    late: 0,
    allowlisted: 0,
    crawlers: 0,
    lockoutsByRule: {},
    evicted,
    workers: 1,
    seconds: 0,
  };
}

/** The store, with each call's steps and answers handed to `onApplied` as well. */
function observedStore(
  store: WindowStore,
  onApplied: NonNullable<ReplayHooks['onApplied']>,
): WindowStore {
  return {
    apply: async (steps) => {
      const result = await store.apply(steps);
      onApplied(steps, result);
      return result;
    },
    confirm: (lockouts) => store.confirm(lockouts),
    lift: (request) => store.lift(request),
    close: () => store.close(),
  };
}
