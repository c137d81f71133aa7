// The live simulation's schedule and traffic: deterministic per seed, attacks at
// their spacing in the cycle of kinds, the benign rate as asked, slices that tile
// event time; and, through the shipped rules and the in-memory store, every attack
// locked out by the rule its log line names, no benign client at all.
import { describe, expect, it } from 'vitest';
import type { LockoutCommand } from '../decide/lockout.js';
import { DetectionPipeline } from '../pipeline/index.js';
import { loadRules } from '../rules/shipped.js';
import { MemoryWindowStore } from '../window/memory-store.js';
import { ATTACK_PLANS } from './live-attacks.js';
import { attackTime, liveTraffic, SLICE_MS, type AttackLaunch, type LiveSlice } from './live.js';

const START = Date.parse('2026-01-05T09:00:00Z');
const MINUTE = 60_000;

function slices(options: { seed?: number; rate?: number; every?: number; minutes: number }) {
  return [
    ...liveTraffic({
      start: START,
      seed: options.seed ?? 1,
      ratePerSecond: options.rate ?? 50,
      attackEveryMs: options.every ?? 2 * MINUTE,
      durationMs: options.minutes * MINUTE,
    }),
  ];
}

const launchesOf = (all: LiveSlice[]) => all.flatMap((slice) => slice.attacks);

describe('live traffic', () => {
  it('is the same for the same seed and start, and another for another seed', () => {
    const text = (seed: number) => JSON.stringify(slices({ seed, minutes: 3 }));
    expect(text(7)).toBe(text(7));
    expect(text(8)).not.toBe(text(7));
  });

  it('tiles event time with slices, each in time order, and stops at the duration', () => {
    const all = slices({ minutes: 4.5, every: 20_000 });
    expect(all.map((s) => s.start - START)).toEqual([0, 1, 2, 3, 4].map((m) => m * SLICE_MS));
    expect(all.at(-1)!.end).toBe(START + 4.5 * MINUTE);
    for (const slice of all) {
      const times = slice.events.map((e) => e.ts);
      expect(
        times.every((ts, i) => ts >= slice.start && ts < slice.end && ts >= (times[i - 1] ?? 0)),
      ).toBe(true);
    }
  });

  it('launches an attack every spacing, the first after 30 s, cycling through every kind', () => {
    const every = 45_000;
    const all = slices({ minutes: 10, every });
    const launches = launchesOf(all);
    expect(launches.map((l) => l.at)).toEqual(
      Array.from({ length: 13 }, (_, n) => START + 30_000 + n * every),
    );
    expect(launches.map((l) => l.at)).toEqual(
      launches.map((l) => attackTime({ start: START, attackEveryMs: every }, l.n)),
    );
    expect(launches.slice(0, 6).map((l) => l.kind)).toEqual(ATTACK_PLANS.map((p) => p.kind));
    expect(launches[6]!.kind).toBe('ascending-scan');
    // Each attack's first request is at its launch time, from its own actor.
    const events = all.flatMap((slice) => slice.events);
    for (const launch of launches.filter((l) => l.subject.scope === 'ip')) {
      const first = events.find((e) => e.ip === launch.subject.subject);
      expect(first?.ts).toBe(launch.at);
      expect(events.filter((e) => e.ip === launch.subject.subject)).toHaveLength(launch.events);
    }
    // A shorter spacing than 30 s starts the first attack after one spacing.
    expect(launchesOf(slices({ minutes: 1, every: 5000 }))[0]!.at).toBe(START + 5000);
  });

  it.each([20, 50, 400])('keeps the benign rate near %i events a second', (rate) => {
    const minutes = rate > 100 ? 3 : 10;
    const all = slices({ rate, minutes, every: 60 * MINUTE });
    const benign = all.reduce((sum, slice) => sum + slice.benign, 0);
    const attacks = launchesOf(all).reduce((sum, launch) => sum + launch.events, 0);
    expect(benign + attacks).toBe(all.reduce((sum, slice) => sum + slice.events.length, 0));
    expect(benign / (minutes * 60)).toBeGreaterThan(rate * 0.95);
    expect(benign / (minutes * 60)).toBeLessThan(rate * 1.05);
    // Steady from the first slice on (the lead-in), bursts aside: a CDN warm-up of
    // 200 thumbnails, phones syncing 30 messages each.
    for (const slice of all) {
      expect(slice.benign).toBeGreaterThan(rate * 60 * 0.9);
      expect(slice.benign).toBeLessThan(rate * 60 * 1.1 + 200 + 3 * 30);
    }
  });
});

describe('live traffic through the shipped rules', () => {
  // 16 minutes of traffic through every rule: seconds on a loaded 2-core CI machine.
  it(
    'has every attack locked out by the rule it names, on the subject it names, and nobody else',
    { timeout: 30_000 },
    async () => {
      const all = slices({ rate: 20, minutes: 16, every: 2 * MINUTE });
      const { compiled } = await loadRules({ dirs: [], shipped: true });
      const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore(), {
        issuedAt: (ts) => ts,
      });
      const lockouts: LockoutCommand[] = [];
      for (const slice of all) {
        const result = await pipeline.process(slice.events);
        await pipeline.confirm(result);
        lockouts.push(...result.lockouts);
      }
      const launches = launchesOf(all);
      expect(new Set(launches.map((l) => l.kind)).size).toBe(ATTACK_PLANS.length);
      const caught = (launch: AttackLaunch) =>
        lockouts.find(
          (l) =>
            l.rule === launch.rule &&
            l.scope === launch.subject.scope &&
            l.subject === launch.subject.subject,
        );
      for (const launch of launches) {
        const lockout = caught(launch);
        expect(lockout, `${launch.kind} by ${launch.subject.subject}`).toBeDefined();
        // Within a minute of its first request: the demo shows each attack caught live.
        expect(Date.parse(lockout!.eventTime) - launch.at).toBeLessThan(MINUTE);
      }
      const innocent = lockouts.filter(
        (l) =>
          !launches.some((launch) =>
            launch.subjects.some((s) => s.scope === l.scope && s.subject === l.subject),
          ),
      );
      expect(innocent.map((l) => `${l.rule} ${l.scope}:${l.subject}`)).toEqual([]);
    },
  );
});
