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

/** What one push releases. */
function pushed<T>(buffer: ReorderBuffer<T>, ts: number, item: T): T[] {
  const due: T[] = [];
  buffer.push(ts, item, due);
  return due;
}

/** Events of times `times` (item i at times[i]) pushed to both: each push releases alike. */
function agreesWithModel(times: readonly number[], delay: number, maxHeld: number): void {
  const buffer = new ReorderBuffer<number>(delay, maxHeld);
  const model = new SortedModel(delay, maxHeld);
  times.forEach((ts, item) => {
    expect(pushed(buffer, ts, item)).toEqual(model.push(ts, item));
    expect(buffer.held).toBeLessThanOrEqual(maxHeld);
  });
  expect(buffer.flush()).toEqual(model.flush());
  expect(buffer.late).toBe(model.late);
}

/** Times from a start and steps between them. */
function timesOf(start: number, steps: readonly number[]): number[] {
  let ts = start;
  return steps.map((dt) => (ts += dt));
}

/** Random logs of up to `maxLength` steps from `start`: buffer and model agree on each. */
function agreesOnRandomLogs(
  step: fc.Arbitrary<number>,
  log: {
    start: number;
    maxLength: number;
    delay: fc.IntegerConstraints;
    maxHeld: fc.IntegerConstraints;
  },
  numRuns: number,
): void {
  fc.assert(
    fc.property(
      fc.array(step, { maxLength: log.maxLength }),
      fc.integer(log.delay),
      fc.integer(log.maxHeld),
      (steps, delay, maxHeld) => agreesWithModel(timesOf(log.start, steps), delay, maxHeld),
    ),
    { numRuns },
  );
}

describe('ReorderBuffer', () => {
  it('puts events back in time order within the delay, stable for equal times', () => {
    const buffer = new ReorderBuffer<string>(60_000);
    const out = [
      ...pushed(buffer, 30_000, 'b'),
      ...pushed(buffer, 10_000, 'a'),
      ...pushed(buffer, 30_000, 'c'),
      ...pushed(buffer, 95_000, 'd'), // releases everything at or before 35 s
      ...buffer.flush(),
    ];
    expect(out).toEqual(['a', 'b', 'c', 'd']);
    expect(buffer.late).toBe(0);
  });

  it('counts an event later than the delay and still releases it', () => {
    const buffer = new ReorderBuffer<string>(1000);
    const out = [
      ...pushed(buffer, 5000, 'a'),
      ...pushed(buffer, 9000, 'b'),
      ...pushed(buffer, 1000, 'late'),
    ];
    expect(out).toEqual(['a', 'late']);
    expect(buffer.late).toBe(1);
  });

  it('holds at most maxHeld events, releasing the oldest', () => {
    const buffer = new ReorderBuffer<number>(3_600_000, 3);
    const out = [1, 2, 3, 4, 5].flatMap((n) => pushed(buffer, n, n));
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
    agreesOnRandomLogs(
      step,
      { start: 1_000, maxLength: 300, delay: { min: 0, max: 150 }, maxHeld: { min: 1, max: 40 } },
      500,
    );
  });

  it('slides a late event into the queue or heaps it, as far back as it came', () => {
    // Dense logs (many events of a delay's span held) with events from a few places to
    // hundreds of places late: slid into the queue up to its limit, heaped past it.
    const step = fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min: 0, max: 4 }) },
      { weight: 2, arbitrary: fc.integer({ min: -60, max: 0 }) },
      { weight: 1, arbitrary: fc.integer({ min: -1500, max: -200 }) },
    );
    agreesOnRandomLogs(
      step,
      {
        start: 10_000,
        maxLength: 1500,
        delay: { min: 100, max: 3000 },
        maxHeld: { min: 100, max: 2000 },
      },
      100,
    );
  });

  it('orders a shuffled span with many ties, the heap holding most of it', () => {
    // Times from a short span in any order: most events are far more than the slide's
    // limit back, ties are everywhere, and the queue grows while the heap is full.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 200, maxLength: 2500 }),
        fc.integer({ min: 50, max: 3000 }),
        (times, maxHeld) => agreesWithModel(times, 10_000, maxHeld),
      ),
      { numRuns: 100 },
    );
  });

  it('keeps its order across the queue wrapping around, growing and emptying', () => {
    // 20,000 events: 10,000 at 3 ms (some 170 held: the queue wraps around its ring many
    // times), then 10,000 at three a millisecond (some 1,500 held: it grows while
    // wrapped); one in 7 early by a few places (slid in), one in 50 by hundreds (heaped).
    const times = Array.from({ length: 20_000 }, (_, i) => {
      const ts = i < 10_000 ? i * 3 : 30_000 + Math.floor((i - 10_000) / 3);
      return ts - (i % 7 === 0 ? 20 : 0) - (i % 50 === 0 ? 400 : 0);
    });
    agreesWithModel(times, 500, 100_000);
  });
});
