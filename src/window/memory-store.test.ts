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
});
