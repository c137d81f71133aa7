import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from './reorder.js';

describe('ReorderBuffer', () => {
  it('puts events back in time order within the delay, stable for equal times', () => {
    const buffer = new ReorderBuffer<string>(60_000);
    const out = [
      ...buffer.push(30_000, 'b'),
      ...buffer.push(10_000, 'a'),
      ...buffer.push(30_000, 'c'),
      ...buffer.push(95_000, 'd'), // releases everything at or before 35 s
      ...buffer.flush(),
    ];
    expect(out).toEqual(['a', 'b', 'c', 'd']);
    expect(buffer.late).toBe(0);
  });

  it('counts an event later than the delay and still releases it', () => {
    const buffer = new ReorderBuffer<string>(1000);
    const out = [
      ...buffer.push(5000, 'a'),
      ...buffer.push(9000, 'b'),
      ...buffer.push(1000, 'late'),
    ];
    expect(out).toEqual(['a', 'late']);
    expect(buffer.late).toBe(1);
  });

  it('holds at most maxHeld events, releasing the oldest', () => {
    const buffer = new ReorderBuffer<number>(3_600_000, 3);
    const out = [1, 2, 3, 4, 5].flatMap((n) => buffer.push(n, n));
    expect(out).toEqual([1, 2]);
    expect(buffer.flush()).toEqual([3, 4, 5]);
  });
});
