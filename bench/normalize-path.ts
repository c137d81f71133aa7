// normalizePath's cost per path, on the paths of the real 2015 Apache log
// (../shared/data) and of the replay bench log (traffic.ts): the route stage of the
// hot path timed alone. `--module` times another copy of route.ts (e.g. the
// previous commit's, extracted with `git archive`) against this one, runs interleaved
// so that load from other processes falls on both alike.
//
//   npx tsx bench/normalize-path.ts [--module /tmp/base/src/normalize/route.ts] [--runs 7]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parseEvent } from '../src/event/parse.js';
import { normalizePath } from '../src/normalize/route.js';
import { events } from './traffic.js';

type Normalize = (path: string) => { route: string };

const REAL_LOG = new URL(
  '../../shared/data/elastic-examples-apache-combined-2015.log',
  import.meta.url,
);

function realLogPaths(): string[] {
  const paths: string[] = [];
  for (const line of readFileSync(REAL_LOG, 'utf8').split('\n')) {
    const outcome = line === '' ? undefined : parseEvent(line, 'combined');
    if (outcome?.ok) paths.push(outcome.event.path);
  }
  return paths;
}

function benchLogPaths(count: number): string[] {
  const paths: string[] = [];
  for (const event of events(count)) paths.push(event.path);
  return paths;
}

/**
 * CPU nanoseconds per path of each of `runs` passes over all paths: CPU time, not wall
 * time, so that other processes on a shared machine weigh less on the figure.
 */
function nsPerPath(normalize: Normalize, paths: readonly string[], runs: number): number[] {
  const samples: number[] = [];
  let sink = 0;
  for (let run = 0; run < runs; run++) {
    const began = process.cpuUsage();
    for (const path of paths) sink += normalize(path).route.length;
    const { user, system } = process.cpuUsage(began);
    samples.push(((user + system) * 1000) / paths.length);
  }
  if (sink === 0) throw new Error('nothing normalized');
  return samples;
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { module: { type: 'string' }, runs: { type: 'string', default: '7' } },
  });
  const runs = Number(values.runs);
  const candidates: [string, Normalize][] = [['this tree', normalizePath]];
  if (values.module !== undefined) {
    const other = (await import(pathToFileURL(values.module).href)) as { normalizePath: Normalize };
    candidates.unshift([values.module, other.normalizePath]);
  }
  const sets: [string, string[]][] = [
    ['real log', realLogPaths()],
    ['bench log', benchLogPaths(200_000)],
  ];
  for (const [setName, paths] of sets) {
    const samples = new Map<string, number[]>(candidates.map(([name]) => [name, []]));
    for (const [, normalize] of candidates) nsPerPath(normalize, paths, 3); // warm-up
    for (let run = 0; run < runs; run++) {
      for (const [name, normalize] of candidates)
        samples.get(name)?.push(...nsPerPath(normalize, paths, 1));
    }
    for (const [name, ns] of samples) {
      const fastest = Math.min(...ns).toFixed(0);
      console.log(
        `${setName} (${paths.length} paths), ${name}: median ${median(ns).toFixed(0)}, fastest ${fastest} ns/path`,
      );
    }
  }
}

await main();
