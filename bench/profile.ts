// Where replay's time goes: runs the built CLI under `node --cpu-prof` on the bench
// log and prints the top self-time functions and the self time per module (file),
// with V8's own buckets — "(garbage collector)", "(program)" — kept as they are.
//
//   npx tsx bench/profile.ts [--format jsonl|combined] [--lines 1000000] [--top 30] [--ref HEAD]
//   npx tsx bench/profile.ts --summarize FILE.cpuprofile
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureLogs } from './make-log.js';
import { builtCli, PROJECT_ROOT, type BuiltCli } from './project.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
  readonly positionTicks?: readonly { readonly line: number; readonly ticks: number }[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

let sourceRoot = PROJECT_ROOT;

function moduleOf(url: string): string {
  if (url === '') return '(V8 / native)';
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const rest = path.slice(inModules + '/node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  return relative(sourceRoot, path);
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  return url === '' ? name : `${name}  ${moduleOf(url)}:${lineNumber + 1}`;
}

function top(totals: Map<string, number>, all: number, count: number): SelfTime[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / all }));
}

/** Self time per function and per module, from the sample deltas. */
export function summarize(
  profile: CpuProfile,
  count = 30,
): { totalMs: number; functions: SelfTime[]; modules: SelfTime[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    all += us;
    const fn = frameName(node);
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const mod = node.callFrame.url === '' ? frameName(node) : moduleOf(node.callFrame.url);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
  });
  return {
    totalMs: all / 1000,
    functions: top(functions, all, count),
    modules: top(modules, all, count),
  };
}

/** Sample counts per source line of the functions whose name contains `name`. */
export function hotLines(profile: CpuProfile, name: string, count = 15): string[] {
  const ticks = new Map<string, number>();
  for (const node of profile.nodes) {
    if (!node.callFrame.functionName.includes(name)) continue;
    for (const { line, ticks: n } of node.positionTicks ?? []) {
      const where = `${node.callFrame.functionName}  ${moduleOf(node.callFrame.url)}:${line}`;
      ticks.set(where, (ticks.get(where) ?? 0) + n);
    }
  }
  return [...ticks.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([where, n]) => `${String(n).padStart(7)} samples  ${where}`);
}

function printTable(title: string, rows: readonly SelfTime[]): void {
  process.stdout.write(`\n${title}\n`);
  for (const row of rows) {
    const ms = row.ms.toFixed(0).padStart(7);
    const share = `${(row.share * 100).toFixed(1)}%`.padStart(6);
    process.stdout.write(`${ms} ms ${share}  ${row.name}\n`);
  }
}

function profileCli(cli: BuiltCli, log: string, extraFlags: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'exfilguard-prof-'));
  const args = ['--cpu-prof', '--cpu-prof-dir', dir, ...extraFlags, cli.cli, 'replay', log];
  const run = spawnSync(process.execPath, args, {
    cwd: cli.root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (run.status !== 0) throw new Error(`replay exited with ${run.status}`);
  // One profile per thread: replay runs on a command thread of its own (the main thread
  // only relays its output), so the profile with the most samples outside "(idle)".
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no profile written in ${dir}`);
  const busy = (file: string) => {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      nodes: { id: number; callFrame: { functionName: string } }[];
      samples: number[];
    };
    const idle = new Set(
      profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
    );
    return profile.samples.filter((id) => !idle.has(id)).length;
  };
  const counted = files.map((file) => ({ file, samples: busy(file) }));
  counted.sort((a, b) => b.samples - a.samples);
  return join(dir, counted[0]!.file);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      format: { type: 'string', default: 'jsonl' },
      lines: { type: 'string', default: '1000000' },
      top: { type: 'string', default: '30' },
      summarize: { type: 'string' },
      'node-flag': { type: 'string', multiple: true, default: [] },
      ref: { type: 'string' },
      'hot-lines': { type: 'string' },
    },
  });
  let file = values.summarize;
  if (!file) {
    const cli = builtCli(values.ref);
    sourceRoot = cli.root;
    const logs = ensureLogs(Number(values.lines));
    const log = values.format === 'combined' ? logs.combined : logs.jsonl;
    process.stderr.write(`bench: profiling ${cli.label} on ${log}\n`);
    file = profileCli(cli, log, values['node-flag']);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const summary = summarize(profile, Number(values.top));
  process.stdout.write(`profile: ${file}\nsampled: ${(summary.totalMs / 1000).toFixed(2)} s\n`);
  printTable('self time by function', summary.functions);
  printTable('self time by module', summary.modules);
  if (values['hot-lines']) {
    process.stdout.write(`\nhot lines of functions named *${values['hot-lines']}*\n`);
    process.stdout.write(`${hotLines(profile, values['hot-lines']).join('\n')}\n`);
  }
}

await main();
