// One stage of bench/stages.ts, run in its own process:
//   node --import tsx bench/stage-runs.ts STAGE ROOT LOG FORMAT
// ROOT is a built project copy; its dist/src modules are loaded by path (built.ts).
// Prints one JSON line: seconds, lines, GC pause, peak RSS, and stage figures.
import { createReadStream } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import {
  loadBuilt,
  lookupStore,
  nullStore,
  teeStore,
  type Event,
  type Format,
  type Modules,
  type StoreLike,
} from './built.js';
import { LeanWindowStore } from './lean-store.js';
import { splitLines } from './line-split.js';

export interface StageResult {
  readonly seconds: number;
  /** User + system CPU of the whole process (GC threads included): steadier on a busy host. */
  readonly cpuSeconds: number;
  readonly lines: number;
  readonly gcSeconds: number;
  /** Of which mark-compact (old generation). */
  readonly gcMajorSeconds: number;
  readonly maxRssMb: number;
  readonly extra: Record<string, number>;
}

const REORDER_MS = 120_000;
const BATCH = 1000;

/** Wall and CPU time of the stage's loop; `restart` after set-up (rule loading). */
class Clock {
  private wall = performance.now();
  private cpu = process.cpuUsage();

  restart(): void {
    this.wall = performance.now();
    this.cpu = process.cpuUsage();
  }

  read(): { seconds: number; cpuSeconds: number } {
    const cpu = process.cpuUsage(this.cpu);
    return {
      seconds: (performance.now() - this.wall) / 1000,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  }
}

interface Context {
  readonly m: Modules;
  readonly log: string;
  readonly format: Format;
  readonly extra: Record<string, number>;
  readonly clock: Clock;
}

async function eachLine(c: Context, visit: (text: string) => void): Promise<number> {
  const source = await c.m.openLineSource([c.log]);
  let lines = 0;
  for await (const line of source.lines) {
    lines += 1;
    visit(line.text);
  }
  return lines;
}

function parsed(c: Context, text: string): Event | undefined {
  const outcome = c.m.parseEvent(text, c.format);
  return outcome.ok ? outcome.event : undefined;
}

async function throughPipeline(c: Context, store: StoreLike): Promise<number> {
  const rules = (await c.m.loadRules({ dirs: [], shipped: true })).compiled;
  const pipeline = new c.m.DetectionPipeline(rules, store, { issuedAt: (ts) => ts });
  const reorder = new c.m.ReorderBuffer(REORDER_MS);
  let batch: Event[] = [];
  // Counted in the result before the batch tally (issue 10), in the tally since.
  const tally = c.m.BatchTally ? new c.m.BatchTally() : undefined;
  let observations = 0;
  const source = await c.m.openLineSource([c.log]);
  let lines = 0;
  c.clock.restart();
  for await (const line of source.lines) {
    lines += 1;
    const event = parsed(c, line.text);
    if (!event) continue;
    // Appended to the batch (since issue 16's eighth session); returned before it.
    const due = reorder.push(event.ts, event, batch);
    if (due) for (const held of due) batch.push(held);
    if (batch.length >= BATCH) {
      const result = await pipeline.process(batch, undefined, tally);
      await pipeline.confirm?.(result);
      observations += result.observations ?? 0;
      batch = [];
    }
  }
  const last = await pipeline.process([...batch, ...reorder.flush()], undefined, tally);
  await pipeline.confirm?.(last);
  observations += last.observations ?? 0;
  c.extra.windowsAtEnd = store.trackedWindows ?? 0;
  c.extra.observationsPerLine = (tally?.observations ?? observations) / lines;
  return lines;
}

export interface Stage {
  readonly name: string;
  readonly what: string;
  /** Part of the cumulative chain (its Δ is against the previous cumulative stage). */
  readonly cumulative: boolean;
  readonly formats: readonly Format[];
  readonly run: (c: Context) => Promise<number>;
}

const BOTH: readonly Format[] = ['json', 'combined'];

export const STAGES: readonly Stage[] = [
  {
    name: 'split',
    what: 'prototype: utf8 chunks split on "\\n" by hand, a line array per chunk',
    cumulative: false,
    formats: BOTH,
    run: async (c) => {
      let lines = 0;
      for await (const batch of splitLines(c.log)) lines += batch.length;
      return lines;
    },
  },
  {
    name: 'split+parse',
    what: 'prototype: the splitter above + parseEvent',
    cumulative: false,
    formats: BOTH,
    run: async (c) => {
      let lines = 0;
      for await (const batch of splitLines(c.log)) {
        for (const text of batch) {
          lines += 1;
          parsed(c, text);
        }
      }
      return lines;
    },
  },
  {
    name: 'readline',
    what: 'readline.createInterface, for await',
    cumulative: true,
    formats: BOTH,
    run: async (c) => {
      let lines = 0;
      const reader = createInterface({ input: createReadStream(c.log), crlfDelay: Infinity });
      for await (const _line of reader) lines += 1;
      return lines;
    },
  },
  {
    name: 'source',
    what: 'openLineSource (readline + async generator + SourceLine)',
    cumulative: true,
    formats: BOTH,
    run: (c) => eachLine(c, () => undefined),
  },
  {
    name: 'json',
    what: '+ JSON.parse only',
    cumulative: true,
    formats: ['json'],
    run: (c) => eachLine(c, (text) => void JSON.parse(text)),
  },
  {
    name: 'parse',
    what: '+ parseEvent (JSON.parse + zod, or the combined scanner)',
    cumulative: true,
    formats: BOTH,
    run: (c) => eachLine(c, (text) => void parsed(c, text)),
  },
  {
    name: 'normalize',
    what: '+ normalizeEvent',
    cumulative: true,
    formats: BOTH,
    run: (c) =>
      eachLine(c, (text) => {
        const event = parsed(c, text);
        if (event) c.m.normalizeEvent(event);
      }),
  },
  {
    name: 'reorder',
    what: '+ ReorderBuffer (2 min)',
    cumulative: true,
    formats: BOTH,
    run: async (c) => {
      const reorder = new c.m.ReorderBuffer(REORDER_MS);
      const due: Event[] = [];
      const lines = await eachLine(c, (text) => {
        const event = parsed(c, text);
        if (!event) return;
        reorder.push(c.m.normalizeEvent(event).ts, event, due);
        due.length = 0;
      });
      reorder.flush();
      return lines;
    },
  },
  {
    name: 'pipeline-null',
    what: '+ pipeline (batches of 1000) with a store that keeps nothing',
    cumulative: true,
    formats: BOTH,
    run: (c) => throughPipeline(c, nullStore()),
  },
  {
    name: 'pipeline-lookup',
    what: 'floor: the pipeline with a store that only finds its window objects in nested maps',
    cumulative: false,
    formats: BOTH,
    run: (c) => throughPipeline(c, lookupStore()),
  },
  {
    name: 'pipeline-mem',
    what: '+ the memory window store',
    cumulative: true,
    formats: BOTH,
    run: (c) => throughPipeline(c, new c.m.MemoryWindowStore()),
  },
  {
    name: 'pipeline-lean',
    what: 'prototype: the pipeline with bench/lean-store.ts instead',
    cumulative: false,
    formats: BOTH,
    run: async (c) => {
      const store = new LeanWindowStore(c.m);
      const lines = await throughPipeline(c, store);
      c.extra.windowsCreated = store.created;
      c.extra.windowsRenewed = store.renewed;
      return lines;
    },
  },
  {
    name: 'lean-check',
    what: 'check: memory and lean stores fed the same steps, readings and claims compared',
    cumulative: false,
    formats: BOTH,
    run: async (c) => {
      const tee = teeStore(
        new c.m.MemoryWindowStore() as Parameters<typeof teeStore>[0],
        new LeanWindowStore(c.m),
      );
      const lines = await throughPipeline(c, tee);
      c.extra.compared = tee.compared;
      c.extra.mismatches = tee.mismatches;
      return lines;
    },
  },
  {
    name: 'replay',
    what: 'replay() itself (the CLI less start-up and rule loading)',
    cumulative: false,
    formats: BOTH,
    run: async (c) => {
      const rules = (await c.m.loadRules({ dirs: [], shipped: true })).compiled;
      c.clock.restart();
      const summary = await c.m.replay(
        { inputs: [c.log], rules, format: c.format, reorderMs: REORDER_MS },
        { onLockout: () => undefined },
      );
      c.extra.lockouts = Object.values(summary.lockoutsByRule).reduce((a, b) => a + b, 0);
      return summary.lines;
    },
  },
];

async function runChild(name: string, root: string, log: string, format: Format): Promise<void> {
  const stage = STAGES.find((s) => s.name === name);
  if (!stage) throw new Error(`unknown stage ${name}`);
  const m = await loadBuilt(root);
  let gcMs = 0;
  let majorMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration;
      // NODE_PERFORMANCE_GC_MAJOR = 4 (mark-compact); the rest are scavenges and callbacks.
      const { detail } = entry as unknown as { detail?: { kind?: number } };
      if (detail?.kind === 4) majorMs += entry.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const extra: Record<string, number> = {};
  const clock = new Clock();
  const lines = await stage.run({ m, log, format, extra, clock });
  const { seconds, cpuSeconds } = clock.read();
  await new Promise((resolve) => setImmediate(resolve));
  gc.disconnect();
  const result: StageResult = {
    seconds,
    cpuSeconds,
    lines,
    gcSeconds: gcMs / 1000,
    gcMajorSeconds: majorMs / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    extra,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const [, script, stageName, root, log, format] = process.argv;
if (script && import.meta.url === pathToFileURL(script).href) {
  await runChild(stageName!, root!, log!, format as Format);
}
