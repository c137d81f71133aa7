import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from './reorder.js';

/** The buffer's rule, plainly: every held event sorted by (time, arrival) at each push. */
class SortedModel {
  private held: { ts: number; seq: number; item: number }[] = [];
  private seq = 0;
  private newest = Number.NEGATIVE_INFINITY;
  private released = Number.NEGATIVE_INFINITY;
  late = 0;

  constructor(
    private readonly maxDelayMs: number,
    private readonly maxHeld: number,
  ) {}

  push(ts: number, item: number): number[] {
    if (ts < this.released) this.late += 1;
    this.held.push({ ts, seq: this.seq++, item });
    this.held.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    this.newest = Math.max(this.newest, ts);
    const due: number[] = [];
    while (this.held.length > 0 && this.held[0]!.ts <= this.newest - this.maxDelayMs) {
      due.push(this.release());
    }
    while (this.held.length > this.maxHeld) due.push(this.release());
    return due;
  }

  flush(): number[] {
    const due: number[] = [];
    while (this.held.length > 0) due.push(this.release());
    return due;
  }

  private release(): number {
    const next = this.held.shift()!;
    this.released = Math.max(this.released, next.ts);
    return next.item;
  }
}

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

  it('releases what a sort of every held event releases, push by push, on random logs', () => {
    // Mostly in order, some events early (some beyond the delay), ties, and caps small
    // enough to release early: both the queue and the heap, and their merge, are used.
    const step = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 30 }) },
      { weight: 3, arbitrary: fc.integer({ min: -200, max: 0 }) },
      { weight: 1, arbitrary: fc.constant(0) },
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 300 }),
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 1, max: 40 }),
        (steps, delay, maxHeld) => {
          const buffer = new ReorderBuffer<number>(delay, maxHeld);
          const model = new SortedModel(delay, maxHeld);
          let ts = 1_000;
          steps.forEach((dt, item) => {
            ts += dt;
            expect(buffer.push(ts, item)).toEqual(model.push(ts, item));
            expect(buffer.held).toBeLessThanOrEqual(maxHeld);
          });
          expect(buffer.flush()).toEqual(model.flush());
          expect(buffer.late).toBe(model.late);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps its order across the queue being emptied and compacted', () => {
    // 10,000 events in order (the queue compacts past 4,096 released), one in 7 early.
    const buffer = new ReorderBuffer<number>(50, 100_000);
    const model = new SortedModel(50, 100_000);
    const out: number[] = [];
    const expected: number[] = [];
    for (let i = 0; i < 10_000; i += 1) {
      const ts = i * 3 - (i % 7 === 0 ? 20 : 0);
      out.push(...buffer.push(ts, i));
      expected.push(...model.push(ts, i));
    }
    out.push(...buffer.flush());
    expected.push(...model.flush());
    expect(out).toEqual(expected);
    expect(out).toHaveLength(10_000);
  });
});
