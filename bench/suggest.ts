// `rules suggest` against `replay` on the same log (issue 15: suggest must be no dearer
// than a replay): the built CLI over the deterministic bench log (bench/make-log.ts),
// the two commands alternated run by run so a busy host weighs on both alike. Wall time
// from spawn to exit; peak RSS and CPU time from /usr/bin/time -v; pinned to one CPU
// with taskset by default, as bench/replay.ts.
//
//   npx tsx bench/suggest.ts [--runs 2] [--lines 1000000] [--format jsonl|combined] [--no-pin]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { ensureLogs } from './make-log.js';
import { builtCli, type BuiltCli } from './project.js';

const TIME = '/usr/bin/time';
const TASKSET = '/usr/bin/taskset';

interface Measured {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMb: number;
}

function figure(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  if (!match) throw new Error(`no ${String(pattern)} in the output of /usr/bin/time -v`);
  return Number(match[1]);
}

function runOnce(cli: BuiltCli, args: readonly string[], pin: boolean): Measured {
  const command = [
    ...(pin ? [TASKSET, '-c', '0'] : []),
    TIME,
    '-v',
    process.execPath,
    cli.cli,
    ...args,
  ];
  const began = performance.now();
  const child = spawnSync(command[0]!, command.slice(1), {
    cwd: cli.root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const seconds = (performance.now() - began) / 1000;
  if (child.status !== 0) throw new Error(`${args[0]} failed (${child.status}): ${child.stderr}`);
  const err = child.stderr;
  return {
    seconds,
    cpuSeconds:
      figure(err, /User time \(seconds\): ([\d.]+)/) +
      figure(err, /System time \(seconds\): ([\d.]+)/),
    maxRssMb: figure(err, /Maximum resident set size \(kbytes\): (\d+)/) / 1024,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '2' },
      lines: { type: 'string', default: '1000000' },
      format: { type: 'string', default: 'jsonl' },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed for peak RSS`);
  const cli = builtCli();
  const lines = Number(values.lines);
  const logs = ensureLogs(lines);
  const log = values.format === 'combined' ? logs.combined : logs.jsonl;
  const pin = !values['no-pin'] && existsSync(TASKSET);
  const commands = {
    replay: ['replay', log],
    suggest: ['rules', 'suggest', log],
  } as const;
  process.stdout.write(
    `suggest bench: ${cli.label}, ${lines.toLocaleString('en-US')} lines (${values.format}), ` +
      `${values.runs} runs, ${pin ? 'pinned to CPU 0' : 'not pinned'}, node ${process.version}, ` +
      `${cpus()[0]?.model ?? '?'}\n${'command'.padEnd(8)} run   wall s    cpu s   RSS MB\n`,
  );
  const runs: Record<keyof typeof commands, Measured[]> = { replay: [], suggest: [] };
  for (let i = 0; i < Number(values.runs); i += 1) {
    for (const name of ['replay', 'suggest'] as const) {
      const run = runOnce(cli, commands[name], pin);
      runs[name].push(run);
      process.stdout.write(
        `${name.padEnd(8)} ${String(i + 1).padStart(3)} ${run.seconds.toFixed(2).padStart(8)} ` +
          `${run.cpuSeconds.toFixed(2).padStart(8)} ${run.maxRssMb.toFixed(0).padStart(8)}\n`,
      );
    }
  }
  const medians = Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [
      name,
      {
        seconds: median(list.map((r) => r.seconds)),
        cpuSeconds: median(list.map((r) => r.cpuSeconds)),
        maxRssMb: Math.round(median(list.map((r) => r.maxRssMb))),
        linesPerSecond: Math.round(lines / median(list.map((r) => r.seconds))),
      },
    ]),
  );
  process.stdout.write(`${JSON.stringify({ lines, format: values.format, pin, medians })}\n`);
}

main();
