// The obligations of every WindowStore, as one suite: the memory store runs it in
// unit tests, the Redis store in integration tests (BullMQ's habit: one contract,
// every implementation through the same tests).
import { describe, expect, it } from 'vitest';
import type { Observation, WindowKey, WindowShape, WindowStore } from './store.js';

const MINUTE: WindowShape = { windowMs: 60_000, bucketMs: 5_000 };

function key(subject: string, rule = 'r'): WindowKey {
  return { rule, scope: 'ip', subject };
}

function counter(subject: string, ts: number, add: number[], window = MINUTE): Observation {
  return { kind: 'counter', key: key(subject), ts, window, add };
}

function sequence(subject: string, ts: number, id: number): Observation {
  return {
    kind: 'sequence',
    key: { ...key(subject), route: '/u/:id' },
    ts,
    window: MINUTE,
    id,
    maxGap: 4,
    recentIds: 3,
  };
}

export function describeWindowStore(name: string, makeStore: () => Promise<WindowStore>): void {
  describe(`${name} window store`, () => {
    it('sums counters over the window and forgets buckets that slid out', async () => {
      const store = await makeStore();
      const readings = await store.observe([
        counter('a', 0, [1, 100]),
        counter('a', 4_999, [1, 50]),
        counter('a', 30_000, [1, 10]),
        counter('a', 64_999, [1, 1]), // bucket 12: bucket 0 has slid out
        counter('a', 95_000, [1, 1]), // bucket 19: buckets 8–19 remain, bucket 6 (30 s) is gone
      ]);
      expect(readings).toEqual([
        [1, 100],
        [2, 150],
        [3, 160],
        [2, 11],
        [2, 2],
      ]);
      await store.close();
    });

    it('keeps actors, rules and shapes apart', async () => {
      const store = await makeStore();
      const other: Observation = {
        kind: 'counter',
        key: key('a', 'other'),
        ts: 0,
        window: MINUTE,
        add: [5],
      };
      const readings = await store.observe([
        counter('a', 0, [1]),
        counter('b', 0, [2]),
        other,
        counter('a', 1, [1]),
      ]);
      expect(readings).toEqual([[1], [2], [5], [2]]);
      await store.close();
    });

    it('ignores an observation older than the window, and counts a late one inside it', async () => {
      const store = await makeStore();
      const readings = await store.observe([
        counter('a', 100_000, [1]),
        counter('a', 10_000, [1]), // 90 s before the head: outside
        counter('a', 50_000, [1]), // 50 s before: inside
      ]);
      expect(readings).toEqual([[1], [1], [2]]);
      await store.close();
    });

    it('starts afresh after a window with no observation', async () => {
      const store = await makeStore();
      const readings = await store.observe([
        sequence('a', 0, 10),
        sequence('a', 1, 11),
        sequence('a', 500_000, 12),
      ]);
      expect(readings).toEqual([[0], [1], [0]]);
      await store.close();
    });

    it('counts new ids close to recent ones, not repeats or far ones', async () => {
      const store = await makeStore();
      const ids = [100, 101, 101, 103, 200, 204, 100, 99, 98];
      const readings = await store.observe(ids.map((id, i) => sequence('a', i * 1000, id)));
      // 101 close; 101 repeat; 103 close; 200 far; 204 close; 100: recent now [103,200,204] → close (103);
      // 99 close; 98 close.
      expect(readings.map((r) => r[0])).toEqual([0, 1, 1, 2, 2, 3, 4, 5, 6]);
      await store.close();
    });

    it('estimates distinct values from bitmap bits', async () => {
      const store = await makeStore();
      const observations: Observation[] = Array.from({ length: 40 }, (_, i) => ({
        kind: 'distinct',
        key: key('a'),
        ts: i * 100,
        window: MINUTE,
        bit: (i * 7) % 256,
        bits: 256,
      }));
      const readings = await store.observe(observations);
      expect(readings[0]).toEqual([1]);
      // 40 distinct bits of 256: linear counting says -256·ln(216/256) ≈ 43.
      expect(readings[39]).toEqual([43]);
      await store.close();
    });

    it('grants one lockout per episode and escalates repeat offences, capped', async () => {
      const store = await makeStore();
      const claim = (ts: number) => ({
        rule: 'r',
        scope: 'ip' as const,
        subject: 'a',
        ts,
        ttlMs: 60_000,
        escalation: { factor: 4, maxTtlMs: 600_000, forgetAfterMs: 86_400_000 },
      });
      const results = await store.claimLockouts([
        claim(0),
        claim(30_000),
        claim(60_000),
        claim(400_000),
        claim(1_000_000),
      ]);
      expect(results.map((r) => [r.granted, r.offence, r.ttlMs])).toEqual([
        [true, 1, 60_000],
        [false, 1, 60_000],
        [true, 2, 240_000],
        [true, 3, 600_000],
        [true, 4, 600_000],
      ]);
      await store.close();
    });

    it('forgets old offences', async () => {
      const store = await makeStore();
      const escalation = { factor: 2, maxTtlMs: 3_600_000, forgetAfterMs: 3_600_000 };
      const claim = (ts: number) => ({
        rule: 'r',
        scope: 'ip' as const,
        subject: 'a',
        ts,
        ttlMs: 60_000,
        escalation,
      });
      const results = await store.claimLockouts([claim(0), claim(7_200_000)]);
      expect(results.map((r) => r.offence)).toEqual([1, 1]);
      await store.close();
    });
  });
}
