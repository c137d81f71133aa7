import { describe, expect, it } from 'vitest';
import { describeWindowStore } from '../../test/contract/window-store-contract.js';
import { ReferenceWindowStore } from '../../test/support/reference-memory-store.js';
import { MemoryWindowStore } from './memory-store.js';
import { windowKey, type Step } from './store.js';

describeWindowStore('memory', async () => new MemoryWindowStore());

describe('the memory store sweep', () => {
  const window = { windowMs: 60_000, bucketMs: 6_000 };
  const lockout = { ttlMs: 60_000 };
  const count = (subject: string, ts: number): Step => ({
    observation: {
      kind: 'counter',
      key: windowKey('rate', 'ip', subject, undefined),
      ts,
      window,
      add: [1],
    },
    fire: { atLeast: [null] },
    lockout,
  });

  const session = (subject: string, ts: number): Step => {
    const step = count(subject, ts);
    const key = windowKey('rate', 'session', subject, undefined);
    return { ...step, observation: { ...step.observation, key } };
  };

  it('loses no step of the window whose making reaches the sweep', async () => {
    // 49,999 windows of other actors, then the 50,000th (the first sweep's floor) is a
    // new actor's: its first step must count, whenever the sweep runs.
    const store = new MemoryWindowStore();
    const ts = 1_700_000_000_000;
    const others = Array.from({ length: 49_999 }, (_, i) => count(`10.0.${i >> 8}.${i & 255}`, ts));
    await store.apply(others);
    await store.apply([count('192.0.2.1', ts + 1000)]);
    const { results } = await store.apply([count('192.0.2.1', ts + 2000)]);
    expect(results[0]!.reading).toEqual([2]);
  });

  it('forgets the actor a sweep drops, though its scope found it last', async () => {
    // Each scope remembers the actor its last step found. 198.51.100.7 is the last
    // address found when the sweep after the second batch drops it (its window passed);
    // its next step must make it anew in the store, not count on the dropped one.
    const store = new MemoryWindowStore({ sweepEveryBatch: true });
    const ts = 1_700_000_000_000;
    await store.apply([count('198.51.100.7', ts)]);
    await store.apply([session('s-1', ts + 120_000)]);
    expect(store.trackedWindows).toBe(1);
    await store.apply([count('198.51.100.7', ts + 121_000)]);
    expect(store.trackedWindows).toBe(2);
    await store.apply([count('198.51.100.8', ts + 122_000)]);
    const { results } = await store.apply([count('198.51.100.7', ts + 123_000)]);
    expect(results[0]!.reading).toEqual([2]);
  });

  it('forgets the last actor found when the cap evicts it', async () => {
    // Cap 4, evicting down to 3. 198.51.100.1 is the last address found, and the least
    // recently seen actor (its event is the oldest) when the fifth window evicts it.
    const store = new MemoryWindowStore({ maxWindows: 4 });
    const ts = 1_700_000_000_000;
    const sessions = [1, 2, 3, 4].map((n) => session(`s-${n}`, ts + 100 + n));
    await store.apply([count('198.51.100.1', ts), ...sessions]);
    expect(store.evicted.actors).toBe(2);
    await store.apply([count('198.51.100.1', ts + 110)]);
    await store.apply([count('198.51.100.2', ts + 111)]);
    const { results } = await store.apply([count('198.51.100.1', ts + 112)]);
    expect(results[0]!.reading).toEqual([2]);
  });
});

describe('a rule whose routes have windows of two shapes', () => {
  // hostile-address: an address's identities (a 1,024-bit bitmap on the IDENTITIES route)
  // and its locked identities (a 64-bit bitmap), one rule. Each window is read by its own
  // shape only, so a step of one shape must leave the other shape's window as it was.
  const window = { windowMs: 3_600_000, bucketMs: 300_000 };
  const distinct = (route: string | undefined, bit: number, bits: number, ts: number): Step => ({
    observation: {
      kind: 'distinct',
      key: windowKey('hostile-address', 'ip', '198.51.100.9', route),
      ts,
      window,
      bit,
      bits,
    },
    fire: { atLeast: [null] },
    lockout: { ttlMs: 60_000 },
  });
  const identity = (bit: number, ts: number) => distinct('#identities', bit, 1024, ts);
  const locked = (bit: number, ts: number) => distinct(undefined, bit, 64, ts);

  it('keeps each window’s bits as the reference store does, steps of both shapes in turn', async () => {
    const store = new MemoryWindowStore();
    const reference = new ReferenceWindowStore();
    const ts = 1_700_000_000_000;
    // 300 identities on bits above the small shape's 64, a lockout, then more of each.
    const steps: Step[] = [];
    for (let i = 0; i < 300; i += 1) steps.push(identity(100 + i * 3, ts + i * 1000));
    steps.push(locked(5, ts + 301_000));
    for (let i = 0; i < 20; i += 1) steps.push(identity(1 + i * 50, ts + 302_000 + i * 1000));
    steps.push(locked(9, ts + 330_000), identity(1000, ts + 331_000));
    for (const step of steps) {
      const [mine] = (await store.apply([step])).results;
      const [theirs] = (await reference.apply([step])).results;
      expect(mine!.reading).toEqual(theirs!.reading);
    }
  });

  it('reads a reloaded rule’s windows by its new shape, each when next used', async () => {
    // The sequence rule's gap and the breadth rule's bits change under the same ids:
    // every window, on every route, is read by the new shape as the reference reads it.
    const store = new MemoryWindowStore();
    const reference = new ReferenceWindowStore();
    const ts = 1_700_000_000_000;
    const walk = (route: string, id: number, maxGap: number, at: number): Step => ({
      observation: {
        kind: 'sequence',
        key: windowKey('scan', 'ip', '198.51.100.9', route),
        ts: at,
        window,
        id,
        maxGap,
        recentIds: 16,
      },
      fire: { atLeast: [null] },
      lockout: { ttlMs: 60_000 },
    });
    const steps: Step[] = [];
    for (let i = 0; i < 12; i += 1) {
      steps.push(
        walk('/a/:id', 100 + i * 6, 5, ts + i * 1000),
        walk('/b/:id', 900 + i * 7, 5, ts + i * 1000),
      );
      steps.push(identity(200 + i * 9, ts + i * 1000));
    }
    // Reloaded: a gap of 8 and bitmaps of 64 bits; route /b later than /a.
    for (let i = 12; i < 20; i += 1) steps.push(walk('/a/:id', 100 + i * 6, 8, ts + i * 1000));
    for (let i = 12; i < 20; i += 1) {
      steps.push(walk('/b/:id', 900 + i * 7, 8, ts + i * 1000));
      steps.push(distinct('#identities', 7 + i, 64, ts + i * 1000));
    }
    for (const step of steps) {
      const [mine] = (await store.apply([step])).results;
      const [theirs] = (await reference.apply([step])).results;
      expect(mine!.reading).toEqual(theirs!.reading);
    }
    expect(store.trackedWindows).toBe(3);
  });
});
