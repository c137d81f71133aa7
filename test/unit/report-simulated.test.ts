// `exfilguard report` on a log made by the simulator behind `exfilguard simulate`
// (liveTraffic: benign traffic with an attack every 3 minutes, written as its
// `--out -` JSON lines): each attack's report matches the truth computed here from the
// generated events themselves — requests, 2xx answers, bytes, records (the ids fetched,
// or the rows an export reported), the span from first to last success, and the ids.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../src/event/index.js';
import type { ScopeReport } from '../../src/report/index.js';
import { liveTraffic, type AttackLaunch, type Subject } from '../../src/simulate/index.js';
import { runCli } from '../support/cli.js';

const START = Date.parse('2026-03-01T10:00:00Z');
const events: AccessEvent[] = [];
const launches: AttackLaunch[] = [];
for (const slice of liveTraffic({
  start: START,
  seed: 7,
  ratePerSecond: 10,
  attackEveryMs: 180_000,
  durationMs: 20 * 60_000,
})) {
  events.push(...slice.events);
  launches.push(...slice.attacks);
}

const dir = await mkdtemp(join(tmpdir(), 'exfilguard-report-sim-'));
const LOG = join(dir, 'simulated.jsonl');
// As `exfilguard simulate --out -` writes them: contract-1 JSON with an ISO time.
await writeFile(
  LOG,
  events.map((e) => `${JSON.stringify({ ...e, ts: new Date(e.ts).toISOString() })}\n`).join(''),
);
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Truth {
  requests: number;
  succeeded: number;
  bytes: number;
  records: number;
  firstSuccess: string;
  lastSuccess: string;
  /** Ids fetched with success, per path prefix (`/api/users/`), sorted as numbers. */
  ids: Record<string, number[]>;
}

function named(event: AccessEvent, { scope, subject }: Subject): boolean {
  const value = scope === 'ip' ? event.ip : scope === 'session' ? event.session : event.user;
  return value === subject;
}

/** From the generated events alone: no parser, no normaliser. */
function truthOf(subject: Subject): Truth {
  const mine = events.filter((event) => named(event, subject));
  const served = mine.filter((event) => event.status >= 200 && event.status < 300);
  const ids: Record<string, Set<number>> = {};
  let reported = 0;
  for (const event of served) {
    if (event.records !== undefined) {
      reported += event.records;
      continue;
    }
    const slash = event.path.lastIndexOf('/');
    const prefix = event.path.slice(0, slash + 1);
    (ids[prefix] ??= new Set()).add(Number(event.path.slice(slash + 1)));
  }
  const times = served.map((event) => event.ts);
  const sorted = Object.fromEntries(
    Object.entries(ids).map(([prefix, set]) => [prefix, [...set].sort((a, b) => a - b)]),
  );
  return {
    requests: mine.length,
    succeeded: served.length,
    bytes: served.reduce((sum, event) => sum + event.bytes, 0),
    records: reported + Object.values(sorted).reduce((sum, list) => sum + list.length, 0),
    firstSuccess: new Date(Math.min(...times)).toISOString(),
    lastSuccess: new Date(Math.max(...times)).toISOString(),
    ids: sorted,
  };
}

/** The report's ids, per route's literal prefix (`/api/users/:id` → `/api/users/`). */
function reportedIds(report: ScopeReport): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const route of report.routes) {
    if (route.distinctIds === 0) continue;
    out[route.route.replace(/:id$/, '')] = route.ids.flatMap(({ first, last }) =>
      Array.from({ length: Number(last) - Number(first) + 1 }, (_, i) => Number(first) + i),
    );
  }
  return out;
}

describe('exfilguard report on a simulated log', () => {
  it('holds every kind of attack', () => {
    expect(new Set(launches.map((launch) => launch.kind)).size).toBe(6);
  });

  it.each(
    launches.map(
      (launch) =>
        [`${launch.kind} by ${launch.subject.scope}:${launch.subject.subject}`, launch] as const,
    ),
  )('%s: the report matches the generated events', async (_, launch) => {
    const { subject } = launch;
    const { code, stdout } = await runCli([
      'report',
      `${subject.scope}:${subject.subject}`,
      LOG,
      '--json',
      '-',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as ScopeReport;
    const truth = truthOf(subject);
    expect(truth.requests).toBe(launch.events);
    expect({
      requests: report.requests,
      succeeded: report.succeeded,
      bytes: report.bytes,
      records: report.notice.distinctRecords,
      firstSuccess: report.notice.firstSuccess,
      lastSuccess: report.notice.lastSuccess,
      ids: reportedIds(report),
    }).toEqual(truth);
    expect(report.notice.spanSeconds).toBe(
      (Date.parse(truth.lastSuccess) - Date.parse(truth.firstSuccess)) / 1000,
    );
  });
});
