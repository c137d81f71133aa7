// `rules suggest` against `replay` on the same log (issue 15: suggest must be no dearer
// than a replay): the built CLI over the deterministic bench log (bench/make-log.ts),
// the two commands alternated run by run so a busy host weighs on both alike. Wall time
// from spawn to exit; peak RSS and CPU time from /usr/bin/time -v; pinned to one CPU
// with taskset by default, as bench/replay.ts.
//
//   npx tsx bench/suggest.ts [--runs 2] [--lines 1000000] [--format jsonl|combined] [--no-pin]
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { median, timedRun } from './child-run.js';
import { ensureLogs } from './make-log.js';
import { builtCli, type BuiltCli } from './project.js';

const TIME = '/usr/bin/time';
const TASKSET = '/usr/bin/taskset';

interface Measured {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMb: number;
}

/** One timed run, its CPU and peak RSS required (this bench compares them). */
function runOnce(cli: BuiltCli, args: readonly string[], pin: boolean): Measured {
  const run = timedRun(cli, args, pin);
  if (run.status !== 0) throw new Error(`${args[0]} failed (${run.status}): ${run.stderr}`);
  if (run.cpuSeconds === undefined || run.maxRssMb === undefined)
    throw new Error(`no CPU time or peak RSS in the output of ${TIME} -v`);
  return { seconds: run.seconds, cpuSeconds: run.cpuSeconds, maxRssMb: run.maxRssMb };
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
