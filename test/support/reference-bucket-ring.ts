// The reference store's window (reference-memory-store.ts): a sliding window as a ring of time buckets, each holding a few figures. Costs
// `buckets × figures` numbers however many events the window sees. Exact to one
// bucket: the window read at head bucket h covers buckets h-n+1 … h, that is the
// last `windowMs` rounded up to whole buckets.
import { bucketIndex, bucketsPerWindow } from '../../src/window/arithmetic.js';
import type { WindowShape } from '../../src/window/store.js';

export class BucketRing {
  private readonly slots: number;
  private readonly indexes: Float64Array;
  private readonly values: Float64Array;
  /** Newest bucket index seen; -Infinity before the first observation. */
  head = Number.NEGATIVE_INFINITY;

  constructor(
    readonly shape: WindowShape,
    readonly figures: number,
  ) {
    this.slots = bucketsPerWindow(shape.windowMs, shape.bucketMs);
    this.indexes = new Float64Array(this.slots).fill(Number.NEGATIVE_INFINITY);
    this.values = new Float64Array(this.slots * figures);
  }

  /** Moves the head to `ts`'s bucket if newer; false when `ts` is older than the window. */
  advance(ts: number): { bucket: number; live: boolean } {
    const bucket = bucketIndex(ts, this.shape.bucketMs);
    if (bucket > this.head) this.head = bucket;
    return { bucket, live: bucket > this.head - this.slots };
  }

  /** True when no bucket of the window would survive a move of the head to `ts`. */
  wouldExpire(ts: number): boolean {
    return bucketIndex(ts, this.shape.bucketMs) - this.head >= this.slots;
  }

  add(bucket: number, figure: number, amount: number): void {
    const slot = ((bucket % this.slots) + this.slots) % this.slots;
    if (this.indexes[slot] !== bucket) {
      this.indexes[slot] = bucket;
      this.values.fill(0, slot * this.figures, (slot + 1) * this.figures);
    }
    this.values[slot * this.figures + figure]! += amount;
  }

  /** The sums of every figure over the live buckets. */
  sums(): number[] {
    const totals = new Array<number>(this.figures).fill(0);
    const oldest = this.head - this.slots + 1;
    for (let slot = 0; slot < this.slots; slot += 1) {
      if (this.indexes[slot]! < oldest) continue;
      for (let figure = 0; figure < this.figures; figure += 1) {
        totals[figure]! += this.values[slot * this.figures + figure]!;
      }
    }
    return totals;
  }
}
