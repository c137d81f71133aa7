// Replay's stages measured one by one, each cumulative stage in a fresh process so
// no stage's JIT feedback or heap colours the next: reading bytes, splitting lines
// (readline and a hand-written splitter), the line source, + JSON.parse, + parseEvent
// (zod), + normalizeEvent, + reorder, + pipeline with a store that counts nothing,
// + the memory store (the whole replay, less process start and rule loading).
// The stage code runs the BUILT JavaScript (dist/src of the working tree or of a ref),
// loaded by path, so the figures are those of `node dist/src/cli.js`.
//
//   npx tsx bench/stages.ts [--format jsonl|combined] [--runs 3] [--ref HEAD] [--only a,b]
//                           [--node-flag=--cpu-prof --node-flag=--cpu-prof-dir=DIR]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ensureLogs } from './make-log.js';
import { builtCli } from './project.js';
import { STAGES, type Stage, type StageResult } from './stage-runs.js';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function runStage(
  stage: string,
  root: string,
  log: string,
  format: string,
  nodeFlags: readonly string[],
): StageResult {
  const child = spawnSync(
    process.execPath,
    [
      ...nodeFlags,
      '--import',
      'tsx',
      new URL('./stage-runs.ts', import.meta.url).pathname,
      stage,
      root,
      log,
      format,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
  );
  if (child.status !== 0) throw new Error(`stage ${stage} exited with ${child.status}`);
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as StageResult;
}

export interface StageSummary {
  readonly stage: string;
  readonly what: string;
  /** Medians over the runs. */
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly linesPerSecond: number;
  readonly usPerLine: number;
  readonly cpuUsPerLine: number;
  readonly gcSeconds: number;
  readonly gcMajorSeconds: number;
  readonly maxRssMb: number;
  readonly extra: Readonly<Record<string, number>>;
}

function summarize(stage: Stage, results: readonly StageResult[]): StageSummary {
  const seconds = median(results.map((r) => r.seconds));
  const cpuSeconds = median(results.map((r) => r.cpuSeconds));
  const lines = results[0]!.lines;
  return {
    stage: stage.name,
    what: stage.what,
    seconds,
    cpuSeconds,
    linesPerSecond: Math.round(lines / seconds),
    usPerLine: (seconds * 1e6) / lines,
    cpuUsPerLine: (cpuSeconds * 1e6) / lines,
    gcSeconds: median(results.map((r) => r.gcSeconds)),
    gcMajorSeconds: median(results.map((r) => r.gcMajorSeconds)),
    maxRssMb: Math.max(...results.map((r) => r.maxRssMb)),
    extra: results[0]!.extra,
  };
}

const HEADER =
  `${'stage'.padEnd(14)} ${'lines/s'.padStart(10)} ${'µs/line'.padStart(8)} ${'Δ'.padStart(6)} ` +
  `${'cpu µs'.padStart(7)} ${'Δ cpu'.padStart(6)} ${'GC s'.padStart(6)} ${'major'.padStart(6)} ` +
  `${'RSS MB'.padStart(7)}  what\n`;

function row(s: StageSummary, delta: string, cpuDelta: string): string {
  const extra = Object.keys(s.extra).length > 0 ? ` ${JSON.stringify(s.extra)}` : '';
  return (
    `${s.stage.padEnd(14)} ${s.linesPerSecond.toLocaleString('en-US').padStart(10)} ` +
    `${s.usPerLine.toFixed(2).padStart(8)} ${delta.padStart(6)} ${s.cpuUsPerLine.toFixed(2).padStart(7)} ` +
    `${cpuDelta.padStart(6)} ${s.gcSeconds.toFixed(2).padStart(6)} ${s.gcMajorSeconds.toFixed(2).padStart(6)} ` +
    `${s.maxRssMb.toFixed(0).padStart(7)}  ` +
    `${s.what}${extra}\n`
  );
}

function main(): void {
  const { values } = parseArgs({
    options: {
      format: { type: 'string', default: 'jsonl' },
      runs: { type: 'string', default: '3' },
      lines: { type: 'string', default: '1000000' },
      ref: { type: 'string' },
      only: { type: 'string' },
      'node-flag': { type: 'string', multiple: true, default: [] },
    },
  });
  const cli = builtCli(values.ref);
  const logs = ensureLogs(Number(values.lines));
  const log = values.format === 'combined' ? logs.combined : logs.jsonl;
  const format = values.format === 'combined' ? 'combined' : 'json';
  const wanted = values.only?.split(',');
  const stages = STAGES.filter(
    (s) => s.formats.includes(format) && (!wanted || wanted.includes(s.name)),
  );
  process.stderr.write(`bench: stages of ${cli.label} on ${log}\n`);
  process.stdout.write(HEADER);
  const summaries: StageSummary[] = [];
  let previous: StageSummary | undefined;
  for (const stage of stages) {
    const results = Array.from({ length: Number(values.runs) }, () =>
      runStage(stage.name, cli.root, log, format, values['node-flag']),
    );
    const summary = summarize(stage, results);
    summaries.push(summary);
    const chained = stage.cumulative && previous !== undefined;
    const delta = chained ? (summary.usPerLine - previous!.usPerLine).toFixed(2) : '';
    const cpuDelta = chained ? (summary.cpuUsPerLine - previous!.cpuUsPerLine).toFixed(2) : '';
    if (stage.cumulative) previous = summary;
    process.stdout.write(row(summary, delta, cpuDelta));
  }
  process.stdout.write(
    `${JSON.stringify({ format: values.format, build: cli.label, stages: summaries })}\n`,
  );
}

main();
