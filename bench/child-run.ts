// One run of the built CLI as a child process, timed from spawn to exit, with its peak
// RSS and CPU time read from /usr/bin/time -v when it is there; and the small figures
// helpers the CLI benches print with.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { BuiltCli } from './project.js';

const TIME = '/usr/bin/time';
const TASKSET = '/usr/bin/taskset';

export interface TimedRun {
  readonly status: number | null;
  readonly seconds: number;
  readonly stderr: string;
  readonly maxRssMb?: number;
  readonly cpuSeconds?: number;
}

/** `node [nodeFlags] CLI args…`, stdout discarded; pinned to CPU 0 with taskset when `pin`. */
export function timedRun(
  cli: BuiltCli,
  args: readonly string[],
  pin: boolean,
  nodeFlags: readonly string[] = [],
): TimedRun {
  const withTime = existsSync(TIME);
  const command = [
    ...(pin ? [TASKSET, '-c', '0'] : []),
    ...(withTime ? [TIME, '-v'] : []),
    process.execPath,
    ...nodeFlags,
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
  const err = child.stderr;
  const user = field(err, /User time \(seconds\): ([\d.]+)/);
  const system = field(err, /System time \(seconds\): ([\d.]+)/);
  const rssKb = field(err, /Maximum resident set size \(kbytes\): (\d+)/);
  return {
    status: child.status,
    seconds,
    stderr: err,
    ...(rssKb !== undefined && { maxRssMb: rssKb / 1024 }),
    ...(user !== undefined && system !== undefined && { cpuSeconds: user + system }),
  };
}

export function field(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  return match ? Number(match[1]!.replaceAll(',', '')) : undefined;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function fmt(value: number | undefined, digits = 0): string {
  return value === undefined || Number.isNaN(value)
    ? '-'
    : value.toLocaleString('en-US', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });
}

/** One row of a bench table: format, run, wall s, lines/s, cpu s, RSS MB, and a count. */
export function runRow(
  name: string,
  run: number,
  timed: TimedRun,
  lines: number,
  count: number,
): string {
  return (
    `${name.padEnd(9)} ${String(run).padStart(3)} ${fmt(timed.seconds, 2).padStart(8)} ` +
    `${fmt(lines / timed.seconds).padStart(10)} ${fmt(timed.cpuSeconds, 2).padStart(8)} ` +
    `${fmt(timed.maxRssMb).padStart(8)} ${fmt(count).padStart(8)}\n`
  );
}

/** The header of the rows `runRow` prints, the last column named `count`. */
export function headerRow(count: string): string {
  return (
    `${'format'.padEnd(9)} run ${'wall s'.padStart(8)} ${'lines/s'.padStart(10)} ${'cpu s'.padStart(8)} ` +
    `${'RSS MB'.padStart(8)} ${count.padStart(8)}\n`
  );
}
