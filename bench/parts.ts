// The pipeline's parts timed one by one over the same events, held in memory (the
// first --events lines of the bench log, parsed once), so each figure is that part's
// own cost per event, and alternatives can be timed against it on the same input:
// the route globs as compiled today vs memoised per route, the memory store vs the
// lean-store prototype. Runs the built JS (working tree or --ref), like stages.ts.
// Store figures here are for a replay of --events lines: fewer windows than a full
// replay holds, so lower than the full replay's per-observation cost.
//
//   npx tsx bench/parts.ts [--ref HEAD] [--events 200000] [--runs 3]
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Event } from './built.js';
import { importBuilt, loadBuilt } from './built.js';
import { LeanWindowStore } from './lean-store.js';
import { ensureLogs } from './make-log.js';
import { builtCli } from './project.js';

interface Normalized extends Event {
  readonly route: string;
}
interface CompiledRule {
  readonly rule: {
    readonly id: string;
    readonly key: readonly string[];
    readonly ipv6Prefix: number;
  };
  readonly matches: (event: Normalized) => boolean;
  readonly fire: unknown;
  readonly lockout: unknown;
  /** The compiled detector (since issue 10); older builds have `observe` in detect/index.js. */
  readonly detector?: {
    windowKey(event: Normalized, base: object): object;
    observe(event: Normalized, key: object): { ts: number };
  };
}
interface RuleSet {
  readonly rules: readonly { match: { routes?: string[]; excludeRoutes?: string[] } }[];
  readonly allowlists: readonly { routes: string[] }[];
}
interface Extra {
  normalizePath(path: string): NormalizedPath;
  subjectOf(event: Normalized, scope: string, ipv6Prefix: number): string | undefined;
  observe?(event: Normalized, rule: CompiledRule, base: object): { ts: number };
  compileRouteGlobs(globs: readonly string[]): ((route: string) => boolean) | undefined;
  loadRules(s: object): Promise<{
    ruleSet: RuleSet;
    compiled: { rules: readonly CompiledRule[]; allowlist: { allows(e: Normalized): boolean } };
  }>;
}
interface RawEvent extends Event {
  readonly ip: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly bytes: number;
  readonly session?: string;
  readonly user?: string;
  readonly userAgent?: string;
  readonly records?: number;
  readonly id?: string;
}
interface NormalizedPath {
  readonly route: string;
  readonly objectId?: string;
  readonly idKind?: string;
  readonly numericId?: number;
  readonly query: string;
  readonly isStatic: boolean;
}

/**
 * normalizeEvent without object spread: one literal, every field named, so every
 * normalized event has the same shape whatever the parser built (absent optional
 * fields become undefined properties).
 */
function normalizeByName(x: Extra, e: RawEvent) {
  const p = x.normalizePath(e.path);
  return {
    ts: e.ts,
    ip: e.ip,
    method: e.method,
    path: e.path,
    status: e.status,
    bytes: e.bytes,
    session: e.session,
    user: e.user,
    userAgent: e.userAgent,
    records: e.records,
    id: e.id,
    route: p.route,
    objectId: p.objectId,
    idKind: p.idKind,
    numericId: p.numericId,
    query: p.query,
    isStatic: p.isStatic,
  };
}

interface Store {
  apply(steps: readonly object[]): Promise<unknown>;
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

/** Per-event µs of `work` over all events: median of `runs`. */
async function time(runs: number, events: number, work: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const began = performance.now();
    await work();
    samples.push(((performance.now() - began) * 1000) / events);
  }
  return median(samples);
}

/** A route matcher that remembers its answers, bounded: routes are templates, few. */
function memoised(match: (route: string) => boolean, limit = 10_000): (route: string) => boolean {
  let seen = new Map<string, boolean>();
  return (route) => {
    let answer = seen.get(route);
    if (answer === undefined) {
      answer = match(route);
      if (seen.size >= limit) seen = new Map();
      seen.set(route, answer);
    }
    return answer;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ref: { type: 'string' },
      events: { type: 'string', default: '200000' },
      runs: { type: 'string', default: '3' },
      format: { type: 'string', default: 'jsonl' },
    },
  });
  const cli = builtCli(values.ref);
  const m = await loadBuilt(cli.root);
  const load = (path: string) => importBuilt<Extra>(cli.root, path);
  const x = Object.assign(
    {},
    ...(await Promise.all(
      [
        'pipeline.js',
        'pipeline/index.js',
        'detect/index.js',
        'rules/route-glob.js',
        'rules/shipped.js',
        'normalize/route.js',
      ].map(load),
    )),
  ) as Extra;
  const count = Number(values.events);
  const runs = Number(values.runs);
  const format = values.format === 'combined' ? 'combined' : 'json';
  const logs = ensureLogs();
  const lines = await firstLines(format === 'json' ? logs.jsonl : logs.combined, count);
  const raw = lines.flatMap((line) => {
    const outcome = m.parseEvent(line, format);
    return outcome.ok ? [outcome.event] : [];
  });
  const { ruleSet, compiled } = await x.loadRules({ dirs: [], shipped: true });
  const events = raw.map((e) => m.normalizeEvent(e) as Normalized);
  const kept = events.filter((e) => !compiled.allowlist.allows(e));
  const steps: { observation: { ts: number }; fire: unknown; lockout: unknown }[] = [];
  const observe = (event: Normalized, rule: CompiledRule, base: object) =>
    rule.detector
      ? rule.detector.observe(event, rule.detector.windowKey(event, base))
      : x.observe!(event, rule, base);
  const buildSteps = () => {
    steps.length = 0;
    for (const event of kept) {
      for (const rule of compiled.rules) {
        if (!rule.matches(event)) continue;
        for (const scope of rule.rule.key) {
          const subject = x.subjectOf(event, scope, rule.rule.ipv6Prefix);
          if (subject === undefined) continue;
          const observation = observe(event, rule, { rule: rule.rule.id, scope, subject });
          steps.push({ observation, fire: rule.fire, lockout: rule.lockout });
        }
      }
    }
  };
  const applyAll = async (store: Store) => {
    for (let i = 0; i < steps.length; i += 5000) await store.apply(steps.slice(i, i + 5000));
  };
  const globs = [
    ...ruleSet.allowlists.map((a) => a.routes),
    ...ruleSet.rules.flatMap((r) => [r.match.routes ?? [], r.match.excludeRoutes ?? []]),
  ].filter((g) => g.length > 0);
  const matchers = globs.map((g) => x.compileRouteGlobs(g)!);
  const memo = matchers.map((match) => memoised(match));
  const n = events.length;
  const rows: [string, number][] = [];
  const row = async (name: string, work: () => unknown) =>
    rows.push([name, await time(runs, n, work)]);
  await row('parseEvent', () => lines.forEach((line) => m.parseEvent(line, format)));
  await row('normalizeEvent', () => raw.forEach((e) => m.normalizeEvent(e)));
  await row('normalize, fields copied by name (prototype)', () =>
    raw.forEach((e) => normalizeByName(x, e as RawEvent)),
  );
  await row('reorder push (2 min)', () => {
    const reorder = new m.ReorderBuffer(120_000);
    const due: Event[] = [];
    for (const e of raw) {
      reorder.push(e.ts, e, due);
      due.length = 0;
    }
    reorder.flush();
  });
  await row('allowlist.allows', () => events.forEach((e) => compiled.allowlist.allows(e)));
  await row('rule.matches × rules', () =>
    events.forEach((e) => compiled.rules.forEach((r) => r.matches(e))),
  );
  await row(`route globs as compiled (${globs.length} lists)`, () =>
    events.forEach((e) => matchers.forEach((match) => match(e.route))),
  );
  await row('route globs memoised per route', () =>
    events.forEach((e) => memo.forEach((match) => match(e.route))),
  );
  await row('steps (subjectOf + observe + step)', buildSteps);
  await row('store.apply: memory store', () =>
    applyAll(new m.MemoryWindowStore() as unknown as Store),
  );
  await row('store.apply: lean prototype', () => applyAll(new LeanWindowStore(m)));
  process.stdout.write(
    `parts of ${cli.label}: ${n} events, ${kept.length} after the allowlist, ` +
      `${steps.length} steps (${(steps.length / n).toFixed(2)} per event)\n`,
  );
  for (const [name, us] of rows)
    process.stdout.write(`${us.toFixed(3).padStart(8)} µs/event  ${name}\n`);
}

async function firstLines(path: string, count: number): Promise<string[]> {
  const lines: string[] = [];
  const reader = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of reader) {
    lines.push(line);
    if (lines.length === count) break;
  }
  reader.close();
  return lines;
}

await main();
