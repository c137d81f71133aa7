// Live pacing on a fake clock: nothing is sent before its event time, everything in
// order, an attack announced before its first request, and an abort stops at once.
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../event/access-event.js';
import { liveTraffic, type LiveSlice } from './live.js';
import { release, TICK_MS, type Clock } from './release.js';

const START = Date.parse('2026-01-05T09:00:00Z');

/** A clock that advances only when the code under test sleeps. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = START;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function traffic(seconds: number): LiveSlice[] {
  const options = { start: START, seed: 4, ratePerSecond: 20, attackEveryMs: 10_000 };
  return [...liveTraffic({ ...options, durationMs: seconds * 1000 })];
}

describe('release', () => {
  it('sends every event once, in order, never before its time, in batches of what fell due', async () => {
    const clock = fakeClock();
    const slices = traffic(90);
    const sent: { at: number; events: readonly AccessEvent[] }[] = [];
    const log: string[] = [];
    const released = await release(
      slices,
      {
        send: async (events) => void sent.push({ at: clock.now(), events }),
        onAttack: (launch) => log.push(`${launch.at} ${launch.kind}`),
      },
      new AbortController().signal,
      clock,
    );
    const all = slices.flatMap((slice) => slice.events);
    expect(sent.flatMap((batch) => batch.events)).toEqual(all);
    expect(released).toEqual({ events: all.length, attacks: 8 });
    for (const batch of sent) expect(batch.events.every((e) => e.ts <= batch.at)).toBe(true);
    // Batched: about one send per tick, not one per event.
    expect(sent.length).toBeLessThan((90_000 / TICK_MS) * 1.05);
    expect(sent.length).toBeLessThan(all.length / 2);
    expect(Math.min(...clock.sleeps)).toBeGreaterThanOrEqual(TICK_MS);
    const launches = slices.flatMap((slice) => slice.attacks);
    expect(log).toEqual(launches.map((l) => `${l.at} ${l.kind}`));
  });

  it('announces an attack before its first request goes out', async () => {
    const clock = fakeClock();
    const order: string[] = [];
    const [launch] = traffic(15).flatMap((slice) => slice.attacks);
    await release(
      traffic(15),
      {
        send: async (events) => {
          if (events.some((e) => e.ip === launch!.subject.subject)) order.push('request');
        },
        onAttack: () => order.push('announced'),
      },
      new AbortController().signal,
      clock,
    );
    expect(order.slice(0, 2)).toEqual(['announced', 'request']);
  });

  it('stops when the signal aborts, after the batch in flight', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    let batches = 0;
    const released = await release(
      traffic(600),
      {
        send: async () => {
          batches += 1;
          if (batches === 3) controller.abort();
        },
        onAttack: () => {},
      },
      controller.signal,
      clock,
    );
    expect(batches).toBe(3);
    expect(released.events).toBeGreaterThan(0);
    expect(clock.now() - START).toBeLessThan(5000);
  });
});
