// `exfilguard report` throughput and memory: the built CLI over the deterministic
// 1,000,000-line bench log (bench/make-log.ts), JSONL and combined, for one subject
// (default the sequential scanner ip:203.0.113.7, ~3,300 of the lines), the JSON report
// to stdout (discarded). Wall time from spawn to exit (process start and Node's module
// load included); peak RSS and CPU time from /usr/bin/time -v. Pinned to CPU 0 with
// taskset by default, as the replay bench. Target: ≥ 200,000 lines/s and ≤ 300 MB.
//
//   npx tsx bench/report.ts [--runs 3] [--lines 1000000] [--subject ip:203.0.113.7]
//                           [--formats jsonl,combined] [--ref HEAD] [--no-pin]
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { fmt, headerRow, median, runRow, timedRun, type TimedRun } from './child-run.js';
import { ensureLogs } from './make-log.js';
import { builtCli, type BuiltCli } from './project.js';

const TARGET_LINES_PER_SECOND = 200_000;
const TARGET_RSS_MB = 300;
const TASKSET = '/usr/bin/taskset';

interface ReportRun extends TimedRun {
  readonly lines: number;
  readonly events: number;
}

function runOnce(cli: BuiltCli, log: string, subject: string, pin: boolean): ReportRun {
  const args = ['report', subject, log, '--json', '-'];
  const run = timedRun(cli, args, pin);
  if (run.status !== 0) throw new Error(`report failed (${run.status}): ${run.stderr}`);
  const counts = /(\d+) records read from .*, \d+ invalid .*, (\d+) events of the subject/.exec(
    run.stderr,
  );
  return { ...run, lines: Number(counts?.[1]), events: Number(counts?.[2]) };
}

function measure(
  name: string,
  cli: BuiltCli,
  log: string,
  subject: string,
  runs: number,
  pin: boolean,
) {
  const results: ReportRun[] = [];
  for (let i = 0; i < runs; i++) {
    const run = runOnce(cli, log, subject, pin);
    results.push(run);
    process.stdout.write(runRow(name, i + 1, run, run.lines, run.events));
  }
  const seconds = median(results.map((r) => r.seconds));
  const rss = Math.max(...results.map((r) => r.maxRssMb ?? Number.NaN));
  const summary = {
    linesPerSecond: Math.round(results[0]!.lines / seconds),
    seconds,
    maxRssMb: Math.round(rss),
    cpuSeconds: median(results.map((r) => r.cpuSeconds ?? Number.NaN)),
    events: results[0]!.events,
  };
  process.stdout.write(
    `${name.padEnd(9)} med ${fmt(seconds, 2).padStart(8)} ${fmt(summary.linesPerSecond).padStart(10)} ` +
      `${fmt(summary.cpuSeconds, 2).padStart(8)} ${fmt(summary.maxRssMb).padStart(8)} (max)\n`,
  );
  const fast = summary.linesPerSecond >= TARGET_LINES_PER_SECOND ? 'meets' : 'is below';
  const small = summary.maxRssMb <= TARGET_RSS_MB ? 'meets' : 'is over';
  process.stdout.write(
    `${name}: ${fast} ${TARGET_LINES_PER_SECOND.toLocaleString('en-US')} lines/s, ` +
      `${small} ${TARGET_RSS_MB} MB peak RSS\n`,
  );
  return summary;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      lines: { type: 'string', default: '1000000' },
      subject: { type: 'string', default: 'ip:203.0.113.7' },
      formats: { type: 'string', default: 'jsonl,combined' },
      ref: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const cli = builtCli(values.ref);
  const lines = Number(values.lines);
  const logs = ensureLogs(lines);
  const pin = !values['no-pin'] && existsSync(TASKSET);
  const runs = Number(values.runs);
  process.stdout.write(
    `report bench: ${cli.label}, ${values.subject}, ${lines.toLocaleString('en-US')} lines, ${runs} runs, ` +
      `${pin ? 'pinned to CPU 0' : 'not pinned'}, node ${process.version}, ${cpus()[0]?.model ?? '?'}\n`,
  );
  process.stdout.write(headerRow('events'));
  const result: Record<string, unknown> = { subject: values.subject, lines, runs, pinned: pin };
  for (const [name, log] of [
    ['jsonl', logs.jsonl],
    ['combined', logs.combined],
  ] as const) {
    if (values.formats.split(',').includes(name))
      result[name] = measure(name, cli, log, values.subject, runs, pin);
  }
  process.stdout.write(
    `${JSON.stringify({ ...result, build: cli.label, node: process.version, cpu: cpus()[0]?.model ?? null })}\n`,
  );
}

main();
