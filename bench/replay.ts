// Replay throughput: the built CLI (`node dist/src/cli.js replay LOG`, lockouts to
// /dev/null) over the deterministic 1,000,000-line bench log, JSONL and combined,
// several runs each. Wall time from spawn to exit, so process start and rule loading
// count (~0.1 s); peak RSS and CPU time from /usr/bin/time -v when it is there.
// Pinned to one CPU with taskset by default: the target is "on one core", and V8's
// GC helper threads would otherwise borrow the second core.
// Prints a table, then one JSON line with the medians. Target: 300,000 lines/s JSONL.
//
//   npm run bench:replay -- [--runs 3] [--lines 1000000] [--formats jsonl,combined]
//                           [--ref HEAD] [--no-pin] [--node-flag=--max-semi-space-size=64]
//                           [--workers N]   (replay --workers N; N > 1 runs unpinned)
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { field, fmt, headerRow, median, runRow, timedRun, type TimedRun } from './child-run.js';
import { ensureLogs } from './make-log.js';
import { builtCli, type BuiltCli } from './project.js';

const TARGET_JSONL = 300_000;
const TASKSET = '/usr/bin/taskset';

interface Run extends TimedRun {
  readonly lines: number;
  readonly lockouts: number;
}

/** Extra arguments of every replay (`--workers N`). */
let replayArgs: readonly string[] = [];

function runOnce(cli: BuiltCli, log: string, pin: boolean, nodeFlags: readonly string[]): Run {
  const run = timedRun(cli, ['replay', ...replayArgs, log], pin, nodeFlags);
  if (run.status !== 0) throw new Error(`replay failed (${run.status}): ${run.stderr}`);
  return {
    ...run,
    lines: field(run.stderr, /replay: (\d+) lines/) ?? NaN,
    lockouts: field(run.stderr, /lockouts: (\d+)/) ?? NaN,
  };
}

interface FormatResult {
  readonly linesPerSecond: number;
  /** Lines over user + system CPU: steadier than wall time when the host is busy. */
  readonly linesPerCpuSecond?: number;
  readonly seconds: number;
  readonly maxRssMb?: number;
  readonly cpuSeconds?: number;
  readonly lockouts: number;
}

function measure(
  name: string,
  cli: BuiltCli,
  log: string,
  runs: number,
  pin: boolean,
  nodeFlags: readonly string[],
): FormatResult {
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const run = runOnce(cli, log, pin, nodeFlags);
    results.push(run);
    process.stdout.write(runRow(name, i + 1, run, run.lines, run.lockouts));
  }
  const seconds = median(results.map((r) => r.seconds));
  const rss = results.flatMap((r) => (r.maxRssMb === undefined ? [] : [r.maxRssMb]));
  const cpu = results.flatMap((r) => (r.cpuSeconds === undefined ? [] : [r.cpuSeconds]));
  const summary: FormatResult = {
    linesPerSecond: Math.round(results[0]!.lines / seconds),
    seconds,
    lockouts: results[0]!.lockouts,
    ...(rss.length > 0 && { maxRssMb: Math.round(median(rss)) }),
    ...(cpu.length > 0 && {
      cpuSeconds: median(cpu),
      linesPerCpuSecond: Math.round(results[0]!.lines / median(cpu)),
    }),
  };
  process.stdout.write(
    `${name.padEnd(9)} med ${fmt(summary.seconds, 2).padStart(8)} ${fmt(summary.linesPerSecond).padStart(10)} ` +
      `${fmt(summary.cpuSeconds, 2).padStart(8)} ${fmt(summary.maxRssMb).padStart(8)} ${fmt(summary.lockouts).padStart(8)}\n`,
  );
  return summary;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      lines: { type: 'string', default: '1000000' },
      formats: { type: 'string', default: 'jsonl,combined' },
      ref: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      'node-flag': { type: 'string', multiple: true, default: [] },
      workers: { type: 'string' },
    },
  });
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (values.workers !== undefined) replayArgs = ['--workers', values.workers];
  const cli = builtCli(values.ref);
  const lines = Number(values.lines);
  const logs = ensureLogs(lines);
  // Several workers need several cores: pinned, they would share one.
  const pin = !values['no-pin'] && workers === 1 && existsSync(TASKSET);
  const runs = Number(values.runs);
  const nodeFlags = values['node-flag'];
  process.stdout.write(
    `replay bench: ${cli.label}, ${lines.toLocaleString('en-US')} lines, ${runs} runs, ` +
      `${pin ? 'pinned to CPU 0' : 'not pinned'}, node ${process.version}, ${cpus()[0]?.model ?? '?'}` +
      `${nodeFlags.length > 0 ? `, flags ${nodeFlags.join(' ')}` : ''}` +
      `${values.workers !== undefined ? `, --workers ${values.workers}` : ''}\n`,
  );
  process.stdout.write(headerRow('lockouts'));
  const wanted = values.formats.split(',');
  const result: Record<string, unknown> = {};
  const summaries: Record<string, FormatResult> = {};
  for (const [name, log] of [
    ['jsonl', logs.jsonl],
    ['combined', logs.combined],
  ] as const) {
    if (wanted.includes(name)) summaries[name] = measure(name, cli, log, runs, pin, nodeFlags);
  }
  const { jsonl, combined } = summaries;
  if (jsonl) {
    const verdict = jsonl.linesPerSecond >= TARGET_JSONL ? 'meets' : 'is below';
    process.stdout.write(
      `JSONL ${verdict} the target of ${TARGET_JSONL.toLocaleString('en-US')} lines/s ` +
        `(${((100 * jsonl.linesPerSecond) / TARGET_JSONL).toFixed(0)} %)\n`,
    );
  }
  Object.assign(result, {
    jsonlLinesPerSecond: jsonl?.linesPerSecond ?? null,
    combinedLinesPerSecond: combined?.linesPerSecond ?? null,
    lines,
    runs,
    workers,
    targetJsonlLinesPerSecond: TARGET_JSONL,
    jsonlSeconds: jsonl?.seconds ?? null,
    combinedSeconds: combined?.seconds ?? null,
    jsonlMaxRssMb: jsonl?.maxRssMb ?? null,
    combinedMaxRssMb: combined?.maxRssMb ?? null,
    jsonlCpuSeconds: jsonl?.cpuSeconds ?? null,
    combinedCpuSeconds: combined?.cpuSeconds ?? null,
    jsonlLinesPerCpuSecond: jsonl?.linesPerCpuSecond ?? null,
    combinedLinesPerCpuSecond: combined?.linesPerCpuSecond ?? null,
    lockouts: { jsonl: jsonl?.lockouts ?? null, combined: combined?.lockouts ?? null },
    pinned: pin,
    nodeFlags,
    build: cli.label,
    node: process.version,
    cpu: cpus()[0]?.model ?? null,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main();
