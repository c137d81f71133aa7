// `rules suggest` on simulated traffic (issue 15): thresholds drawn from a few hours of
// one simulation, written as an override file, then a second, differently seeded
// simulation through the rules with those overrides: every attack is still locked out
// by the rule it names and no benign actor is.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockoutCommand } from '../../src/decide/lockout.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { liveTraffic, type AttackLaunch, type LiveSlice } from '../../src/simulate/index.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';
import { runCli } from '../support/cli.js';

const START = Date.parse('2026-01-05T09:00:00Z');
const MINUTE = 60_000;

function simulation(seed: number, hours: number, attackEveryMs: number): LiveSlice[] {
  return [
    ...liveTraffic({
      start: START,
      seed,
      ratePerSecond: 8,
      attackEveryMs,
      durationMs: hours * 3_600_000,
    }),
  ];
}

/** The events as `exfilguard simulate --out -` writes them: JSON lines, ISO times. */
function writeLog(file: string, slices: readonly LiveSlice[]): void {
  const lines = slices.flatMap((slice) =>
    slice.events.map((e) => JSON.stringify({ ...e, ts: new Date(e.ts).toISOString() })),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function lockoutsOf(slices: readonly LiveSlice[], dirs: string[]): Promise<LockoutCommand[]> {
  const { compiled } = await loadRules({ dirs, shipped: true });
  const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore(), {
    issuedAt: (ts) => ts,
  });
  const lockouts: LockoutCommand[] = [];
  for (const slice of slices) {
    const output = await pipeline.process(slice.events);
    await pipeline.confirm(output);
    lockouts.push(...output.lockouts);
  }
  return lockouts;
}

/** Attacks not locked by the rule they name, and lockouts of anyone but an attacker. */
function judged(slices: readonly LiveSlice[], lockouts: readonly LockoutCommand[]) {
  const launches = slices.flatMap((slice) => slice.attacks);
  const missed = launches.filter(
    (launch: AttackLaunch) =>
      !lockouts.some(
        (l) =>
          l.rule === launch.rule &&
          l.scope === launch.subject.scope &&
          l.subject === launch.subject.subject,
      ),
  );
  const innocent = lockouts.filter(
    (l) =>
      !launches.some((launch) =>
        launch.subjects.some((s) => s.scope === l.scope && s.subject === l.subject),
      ),
  );
  return {
    attacks: launches.length,
    missed: missed.map((l) => `${l.kind} ${l.subject.scope}:${l.subject.subject}`),
    innocent: innocent.map((l) => `${l.rule} ${l.scope}:${l.subject}`),
  };
}

describe('rules suggest on simulated traffic', () => {
  it(
    'suggests overrides under which a second simulation has every attack locked and nobody else',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'exfilguard-suggest-'));
      const learnt = join(dir, 'learnt.jsonl');
      writeLog(learnt, simulation(11, 3, 5 * MINUTE));
      // The operator's own override: a threshold set too low (phones syncing their 30
      // latest messages walk 29 close ids), and a ttl of their choosing.
      const operator = join(dir, 'operator');
      const suggested = join(dir, 'suggested');
      for (const folder of [operator, suggested]) mkdirSync(folder);
      writeFileSync(
        join(operator, 'tuning.yaml'),
        'kind: override\nrule: sequential-id-scan\ndetect:\n  threshold: 20\naction:\n  ttl: 2h\n',
      );
      const out = join(suggested, 'suggested.yaml');
      const run = await runCli(['rules', 'suggest', '--rules', operator, '--out', out, learnt]);
      expect(run.stderr).toContain('lockouts: 0');
      expect(run.code).toBe(0);

      // The report: the scanners are the lockouts of the value in force, not learnt from.
      const scan = run.stdout.slice(run.stdout.indexOf('\nsequential-id-scan\n'));
      expect(scan).toMatch(/threshold: in force 20, shipped 50/);
      expect(scan).toMatch(/peaks of [\d,]+ actors: p50 \d+ {2}p99 \d+ {2}p99\.9 \d+ {2}max \d+/);
      expect(scan).toMatch(/suggested 50: .*the shipped value kept/);

      // The file: valid for `rules check`, one override per rule, the operator's merged in.
      const yaml = readFileSync(out, 'utf8');
      expect(yaml).toContain(`sequential-id-scan: ${join(operator, 'tuning.yaml')}:2`);
      expect(yaml).toMatch(
        /rule: sequential-id-scan\n(.*\n)*?detect:\n {2}threshold: 50\naction:\n {2}ttl: 2h/,
      );
      const check = await runCli(['rules', 'check', suggested]);
      expect(check.stdout).toMatch(/ok {2}sequential-id-scan .*threshold 50/);
      expect(check.code).toBe(0);

      const second = simulation(12, 1, 2 * MINUTE);
      const withSuggestion = judged(second, await lockoutsOf(second, [suggested]));
      expect(withSuggestion.attacks).toBeGreaterThanOrEqual(30);
      expect(withSuggestion.missed).toEqual([]);
      expect(withSuggestion.innocent).toEqual([]);
      // The operator's own override locked the phones: the suggestion is what mended it.
      const withOperators = judged(second, await lockoutsOf(second, [operator]));
      expect(withOperators.innocent.length).toBeGreaterThan(0);
    },
  );
});

describe('rules suggest memory bound', () => {
  it('stops with SUGGEST_TOO_MANY_ACTORS above --max-actors, saying how to go on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exfilguard-suggest-'));
    const log = join(dir, 'busy.jsonl');
    // Twenty minutes: a fresh session per person and minute, some 3,000 actors.
    writeLog(log, simulation(13, 1 / 3, 5 * MINUTE));
    const run = await runCli(['rules', 'suggest', '--max-actors', '1000', log]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[SUGGEST_TOO_MANY_ACTORS]');
    expect(run.stderr).toContain('more than 1000 actor peaks');
    expect(run.stderr).toContain('Split the log by time, or raise --max-actors');
  });
});
