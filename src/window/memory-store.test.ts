import { describe, expect, it } from 'vitest';
import { describeWindowStore } from '../../test/contract/window-store-contract.js';
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
