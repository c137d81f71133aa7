// The obligations of every WindowStore, as one suite: the memory store runs it in
// unit tests, the Redis store in integration tests (BullMQ's habit: one contract,
// every implementation through the same tests). What a lift does: lift-contract.ts.
import { describe, expect, it } from 'vitest';
import type { LockoutPolicy } from '../../src/decide/policy.js';
import type {
  FireCondition,
  Observation,
  SequenceObservation,
  Reading,
  RecordPosition,
  Step,
  WindowKey,
  WindowShape,
  WindowStore,
} from '../../src/window/store.js';
import { describeLift } from './lift-contract.js';

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

const NEVER: FireCondition = { atLeast: [] };
const TEN_MINUTES: LockoutPolicy = { ttlMs: 600_000 };

function step(
  observation: Observation,
  fire = NEVER,
  lockout = TEN_MINUTES,
  position?: RecordPosition,
): Step {
  return { observation, fire, lockout, ...(position && { position }) };
}

/** Actor a fetching `ids` one a second: the readings as [close ids] and [new ids]. */
async function walk(store: WindowStore, ids: number[]): Promise<[number[], number[]]> {
  const got = await readings(
    store,
    ids.map((id, i) => sequence('a', i * 1000, id)),
  );
  return [got.map((r) => r[0]!), got.map((r) => r[1]!)];
}

async function readings(store: WindowStore, observations: Observation[]): Promise<Reading[]> {
  const { results } = await store.apply(observations.map((o) => step(o)));
  return results.map((r) => r.reading);
}

export function describeWindowStore(name: string, makeStore: () => Promise<WindowStore>): void {
  describe(`${name} window store`, () => {
    it('sums counters over the window and forgets buckets that slid out', async () => {
      const store = await makeStore();
      const got = await readings(store, [
        counter('a', 0, [1, 100]),
        counter('a', 4_999, [1, 50]),
        counter('a', 30_000, [1, 10]),
        counter('a', 64_999, [1, 1]), // bucket 12: bucket 0 has slid out
        counter('a', 95_000, [1, 1]), // bucket 19: buckets 8–19 remain, bucket 6 (30 s) is gone
      ]);
      expect(got).toEqual([
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
      const got = await readings(store, [
        counter('a', 0, [1]),
        counter('b', 0, [2]),
        other,
        counter('a', 1, [1]),
      ]);
      expect(got).toEqual([[1], [2], [5], [2]]);
      await store.close();
    });

    it('ignores an observation older than the window, and counts a late one inside it', async () => {
      const store = await makeStore();
      const got = await readings(store, [
        counter('a', 100_000, [1]),
        counter('a', 10_000, [1]), // 90 s before the head: outside
        counter('a', 50_000, [1]), // 50 s before: inside
      ]);
      expect(got).toEqual([[1], [1], [2]]);
      await store.close();
    });

    it('starts afresh after a window with no observation', async () => {
      const store = await makeStore();
      const got = await readings(store, [
        sequence('a', 0, 10),
        sequence('a', 1, 11),
        sequence('a', 500_000, 12),
      ]);
      // Readings are [close ids, new ids, this id close].
      expect(got).toEqual([
        [0, 1, 0],
        [1, 2, 1],
        [0, 1, 0],
      ]);
      await store.close();
    });

    it('counts new ids close to recent ones, not repeats or far ones', async () => {
      const store = await makeStore();
      const [close] = await walk(store, [100, 101, 101, 103, 200, 204, 100, 99, 98]);
      // 101 close; 101 repeat; 103 close; 200 far; 204 close; 100: recent now [103,200,204] → close (103);
      // 99 close; 98 close.
      expect(close).toEqual([0, 1, 1, 2, 2, 3, 4, 5, 6]);
      await store.close();
    });

    it('keeps id distances exact up to Number.MAX_SAFE_INTEGER', async () => {
      const store = await makeStore();
      const top = Number.MAX_SAFE_INTEGER;
      const [close, fresh] = await walk(store, [
        top - 40,
        top,
        top - 1,
        top - 3,
        top - 2,
        0,
        1,
        top - 8,
        1,
      ]);
      // top − 1, top − 3, top − 2 close; 0 far (2^53 − 3 from top − 2); 1 close; top − 8
      // is 6 from its nearest recent id (recent: top − 2, 0, 1): far; 1 again: a repeat.
      expect(close).toEqual([0, 0, 1, 2, 3, 3, 4, 4, 4]);
      expect(fresh).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 8]);
      await store.close();
    });

    it("tells whether this step's id was close (third figure): not a repeat, a far or a late id; a peek whether it sits beside another", async () => {
      const store = await makeStore();
      const at = (ts: number, id: number, offset: number) =>
        step(sequence('a', ts, id), NEVER, TEN_MINUTES, { stream: 's', offset });
      const first = await store.apply([
        at(10_000, 100, 1),
        at(11_000, 102, 2), // close
        at(12_000, 102, 3), // a repeat
        at(13_000, 500, 4), // far
        at(14_000, 497, 5), // close
        at(200_000, 499, 6), // the window slid: afresh, nothing recent
        at(100_000, 501, 7), // late: outside the window, changes nothing
      ]);
      expect(first.results.map((r) => r.reading)).toEqual([
        [0, 1, 0],
        [1, 2, 1],
        [1, 2, 0],
        [1, 3, 0],
        [2, 4, 1],
        [0, 1, 0],
        [0, 1, 0],
      ]);
      // Delivered again: a peek; 499 has no other recent id beside it.
      const again = await store.apply([at(200_000, 499, 6), at(201_000, 498, 8)]);
      expect(again.results.map((r) => [r.applied, r.reading])).toEqual([
        [false, [0, 1, 0]],
        [true, [1, 2, 1]],
      ]);
      // 498 delivered again (a crash after the call): a peek that still tells its id sits
      // beside another recent one (499), so a route's participant is not lost.
      const redelivered = await store.apply([at(201_000, 498, 8)]);
      expect(redelivered.results.map((r) => [r.applied, r.reading])).toEqual([[false, [1, 2, 1]]]);
      await store.close();
    });

    it('keeps an id read again among the recent ids: a repeat moves it to the newest end', async () => {
      const store = await makeStore();
      const at = (ts: number, id: number) => step(sequence('lru', ts, id), NEVER, TEN_MINUTES);
      // recentIds 3, maxGap 4. 10, 20, 30; 10 again (a repeat: to the newest end); 40
      // pushes out the oldest, now 20, not 10; so 12 is close (to 10) and 22 is not.
      const { results } = await store.apply([
        at(1000, 10),
        at(2000, 20),
        at(3000, 30),
        at(4000, 10),
        at(5000, 40),
        at(6000, 12),
        at(7000, 22),
      ]);
      expect(results.map((r) => r.reading)).toEqual([
        [0, 1, 0],
        [0, 2, 0],
        [0, 3, 0],
        [0, 3, 0],
        [0, 4, 0],
        [1, 5, 1],
        [1, 6, 0],
      ]);
      await store.close();
    });

    it('reads only the last recentIds ids of a list kept while a rule kept more (a reload lowered it)', async () => {
      const store = await makeStore();
      const at = (ts: number, id: number, recentIds: number) =>
        step({ ...(sequence('lowered', ts, id) as SequenceObservation), recentIds });
      // Kept with recentIds 3: 10, 20, 30. Lowered to 1 (in another call, as a reload
      // falls between batches): only 30 is recent, so 10 is new again (with all three
      // recent it would be a repeat: [0, 3, 0]), and then the only recent id, so 12 is
      // close to it.
      await store.apply([at(1000, 10, 3), at(2000, 20, 3), at(3000, 30, 3)]);
      const { results } = await store.apply([at(4000, 10, 1), at(5000, 12, 1)]);
      expect(results.map((r) => r.reading)).toEqual([
        [0, 4, 0],
        [1, 5, 1],
      ]);
      await store.close();
    });

    it('judges closeness against the last closeAmong recent ids, repeats against all of them', async () => {
      const store = await makeStore();
      const at = (ts: number, id: number, offset: number) =>
        step(
          { ...(sequence('among', ts, id) as SequenceObservation), closeAmong: 1 },
          NEVER,
          TEN_MINUTES,
          {
            stream: 'among',
            offset,
          },
        );
      // recentIds 3, closeAmong 1, maxGap 4. 10, 30; 12 is beside 10 but not the last
      // (30): not close; 10 again is a repeat (checked against all three) and moves to
      // the end; 13 is beside it, now the last: close; 50 far.
      const { results } = await store.apply([
        at(1000, 10, 1),
        at(2000, 30, 2),
        at(3000, 12, 3),
        at(4000, 10, 4),
        at(5000, 13, 5),
        at(6000, 50, 6),
      ]);
      expect(results.map((r) => r.reading)).toEqual([
        [0, 1, 0],
        [0, 2, 0],
        [0, 3, 0],
        [0, 3, 0],
        [1, 4, 1],
        [1, 5, 0],
      ]);
      // 13 delivered again: a peek, judged against the last one (50): not close.
      const again = await store.apply([at(5000, 13, 5)]);
      expect(again.results.map((r) => [r.applied, r.reading])).toEqual([[false, [1, 5, 0]]]);
      await store.close();
    });

    it("keeps a route's window (owner route) apart from an actor's of the same name", async () => {
      const store = await makeStore();
      const onRoute = (id: number, ts: number): Observation => ({
        ...sequence('/u/:id', ts, id),
        key: { rule: 'r', scope: 'route', subject: '/u/:id', route: '/u/:id' },
      });
      const actor = (id: number, ts: number): Observation => ({
        ...sequence('/u/:id', ts, id),
        key: { rule: 'r', scope: 'ip', subject: '/u/:id', route: '/u/:id' },
      });
      const got = await readings(store, [onRoute(1, 0), actor(2, 1), onRoute(2, 2), actor(50, 3)]);
      expect(got).toEqual([
        [0, 1, 0],
        [0, 1, 0],
        [1, 2, 1],
        [0, 2, 0],
      ]);
      await store.close();
    });

    it('counts a repeat of a recent id in neither figure (padding cannot dilute)', async () => {
      const store = await makeStore();
      const [close, fresh] = await walk(store, [500, 1, 1, 1, 501, 1, 1, 1, 502]);
      // 500 new; 1 new, far; 1, 1 repeats; 501 close; …; 502 close.
      expect(close).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2]);
      expect(fresh).toEqual([1, 2, 2, 2, 3, 3, 3, 3, 4]);
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
      const got = await readings(store, observations);
      expect(got[0]).toEqual([1]);
      // 40 distinct bits of 256: linear counting says -256·ln(216/256) ≈ 43.
      expect(got[39]).toEqual([43]);
      await store.close();
    });

    it('grants one lockout per episode and escalates repeat offences, capped', async () => {
      const store = await makeStore();
      const escalation = { factor: 4, maxTtlMs: 600_000, forgetAfterMs: 86_400_000 };
      const fire = { atLeast: [1] };
      const at = (ts: number) => step(counter('a', ts, [1]), fire, { ttlMs: 60_000, escalation });
      const { results } = await store.apply([0, 30_000, 60_000, 400_000, 1_000_000].map(at));
      expect(results.map((r) => [r.claim?.granted, r.claim?.offence, r.claim?.ttlMs])).toEqual([
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
      const at = (ts: number) =>
        step(counter('a', ts, [1]), { atLeast: [1] }, { ttlMs: 60_000, escalation });
      const { results } = await store.apply([at(0), at(7_200_000)]);
      expect(results.map((r) => r.claim?.offence)).toEqual([1, 1]);
      await store.close();
    });

    it('fires on a ratio only past its minimum', async () => {
      const store = await makeStore();
      const fire: FireCondition = { atLeast: [], ratio: { num: 1, den: 0, ratio: 0.5, minDen: 3 } };
      const { results } = await store.apply([
        step(counter('a', 0, [1, 1]), fire),
        step(counter('a', 1, [1, 1]), fire),
        step(counter('a', 2, [1, 0]), fire),
      ]);
      expect(results.map((r) => r.claim !== undefined)).toEqual([false, false, true]);
      await store.close();
    });

    it('applies a redelivered record once, and returns unconfirmed lockouts until confirmed', async () => {
      const store = await makeStore();
      const fire = { atLeast: [2] };
      const at = (ts: number, offset: number) =>
        step(counter('a', ts, [1]), fire, TEN_MINUTES, { stream: 'logs:0', offset });
      const first = await store.apply([at(0, 10), at(1, 11)]);
      expect(first.results.map((r) => [r.applied, r.reading[0], r.claim?.granted])).toEqual([
        [true, 1, undefined],
        [true, 2, true],
      ]);
      expect(first.recovered).toEqual([]);
      // Redelivery of both records (a crash before commit) and one new record.
      const again = await store.apply([at(0, 10), at(1, 11), at(2, 12)]);
      expect(again.results.map((r) => [r.applied, r.reading[0], r.claim?.granted])).toEqual([
        [false, 2, undefined],
        [false, 2, undefined],
        [true, 3, false],
      ]);
      expect(again.recovered).toEqual([
        {
          key: key('a'),
          eventTs: 1,
          offence: 1,
          ttlMs: 600_000,
          reading: [2],
          position: { stream: 'logs:0', offset: 11 },
        },
      ]);
      await store.confirm(again.recovered);
      const later = await store.apply([at(3, 13)]);
      expect(later.recovered).toEqual([]);
      await store.close();
    });

    it('counts records of another stream, or of a new actor, whatever the offsets', async () => {
      const store = await makeStore();
      const at = (subject: string, stream: string, offset: number) =>
        step(counter(subject, 0, [1]), NEVER, TEN_MINUTES, { stream, offset });
      await store.apply([at('a', 'logs:0', 5)]);
      const { results } = await store.apply([
        at('a', 'logs:1', 5),
        at('b', 'logs:0', 5),
        at('a', 'logs:0', 5),
      ]);
      expect(results.map((r) => [r.applied, r.reading[0]])).toEqual([
        [true, 2],
        [true, 1],
        [false, 2],
      ]);
      await store.close();
    });

    describeLift(makeStore);
  });
}
