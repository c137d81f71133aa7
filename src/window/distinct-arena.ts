// The memory store's distinct windows (bitmaps per bucket, flat-window.ts applyDistinct)
// of one shape, in an arena, as window-arena.ts keeps counter and sequence windows: no
// JavaScript object per window or per bitmap. Before (issue 16, RSS), a distinct window
// was a flat-window.ts array and each of its live buckets' bitmaps a Uint8Array of its
// own: 184 B of objects around 64 B of bits, and some 230,000 of them after a
// 1,000,000-line replay.
//
//   slot:   [head bucket, bits set in the union of the live bitmaps and the oldest
//            bucket they counted (flat-window.ts's R: true until that bucket leaves the
//            window; STALE: to count), then per ring position: its bucket's bitmap's
//            block number + 1, or 0]
//   blocks: every bitmap of the arena, `bits / 8` bytes each, in Uint8Array pages, with
//           a free list: a bitmap is made when its bucket gets its first bit and given
//           back when the bucket leaves the window, or the window is reset or freed.
//
// Ring position p holds the window's bucket that is p modulo its bucket count, as in
// window-arena.ts: when the head moves on, the positions it passes give their bitmaps
// back. A fixed slot holds block numbers only (8 B a bucket), so a window whose actor
// touched one bucket costs one bitmap, as in the flat layout. A page of blocks is never
// pinned by a live bitmap the way a shared ArrayBuffer would be: blocks are numbers the
// arena reuses, and the arena's size is the most bitmaps live at once, as for any arena.
import { linearCountEstimate } from './arithmetic.js';
import { H, peekWindow, type Window, type WindowSpec } from './flat-window.js';
import { HEAD, NO_HEAD, RingSlots, type WindowArena } from './arena.js';

/** Bitmaps per page of blocks. */
const BLOCK_PAGE_BITS = 10;
const BLOCK_PAGE_SIZE = 1 << BLOCK_PAGE_BITS;
const BLOCK_PAGE_MASK = BLOCK_PAGE_SIZE - 1;

// Slot offsets (HEAD first).
const SET = 1;
const FIRST = 2;
const RING = 3;

/** The union's count is to be taken (a window read from the flat layout without it). */
const STALE = -1;
/** The oldest bucket counted when the union counted none (flat-window.ts's R of 0). */
const NONE_COUNTED = Number.POSITIVE_INFINITY;
/** A ring position without a bitmap (positions hold block number + 1). */
const NO_BLOCK = 0;

/** Distinct windows: ring slots of block numbers, the bitmaps in blocks. */
export class DistinctArena extends RingSlots implements WindowArena {
  /** Bytes of a bitmap. */
  private readonly bytes: number;
  private readonly blockPages: Uint8Array[] = [];
  private readonly freedBlocks: number[] = [];
  private nextBlock = 0;
  /** The live bitmaps' offsets, gathered to count their union (no array per count). */
  private readonly gathered: Int32Array;
  private readonly gatheredPages: Uint8Array[];

  constructor(spec: WindowSpec) {
    super(spec, RING, 1, 0);
    this.bytes = Math.ceil(spec.p1 / 8);
    this.gathered = new Int32Array(this.positions);
    this.gatheredPages = new Array<Uint8Array>(this.positions);
  }

  alloc(): number {
    const slot = this.takeSlot();
    // Freed and reset slots gave their bitmaps back and emptied their positions.
    this.empty(this.page(slot), this.base(slot));
    return slot;
  }

  reset(slot: number): void {
    const d = this.page(slot);
    const base = this.base(slot);
    for (let at = base + RING; at < base + this.stride; at += 1) this.release(d, at);
    this.empty(d, base);
  }

  apply(slot: number, ts: number, value: number | readonly number[]): number[] {
    const d = this.page(slot);
    const base = this.base(slot);
    const b = Math.floor(ts / this.spec.bucketMs);
    if (b > d[base + HEAD]!) this.advance(d, base, b);
    if (b > d[base + HEAD]! - this.positions) {
      const bit = value as number;
      const at = this.position(base, b);
      // The union counted before the bucket has a bitmap, as flat-window.ts counts it.
      this.unionSet(d, base);
      if (d[at] === NO_BLOCK) d[at] = this.newBlock() + 1;
      const block = d[at]! - 1;
      const page = this.blockPages[block >>> BLOCK_PAGE_BITS]!;
      const byte = (block & BLOCK_PAGE_MASK) * this.bytes + (bit >> 3);
      const mask = 1 << (bit & 7);
      if ((page[byte]! & mask) === 0) {
        page[byte] = page[byte]! | mask;
        // One more bit in the union unless another live bitmap has it (unionGainsBit).
        if (!this.setElsewhere(d, base, at, bit >> 3, mask)) {
          d[base + SET] = d[base + SET]! + 1;
          if (b < d[base + FIRST]!) d[base + FIRST] = b;
        }
      }
    }
    return [linearCountEstimate(this.unionSet(d, base), this.spec.p1)];
  }

  peek(slot: number, value: number | readonly number[]): number[] {
    if (slot < 0) return peekWindow(undefined, this.spec, value);
    return [linearCountEstimate(this.unionSet(this.page(slot), this.base(slot)), this.spec.p1)];
  }

  toFlat(slot: number): Window {
    const d = this.page(slot);
    const base = this.base(slot);
    const head = d[base + HEAD]!;
    const entries: (number | Uint8Array)[] = [];
    for (let bucket = head - this.positions + 1; head !== NO_HEAD && bucket <= head; bucket += 1) {
      const at = this.position(base, bucket);
      if (d[at] === NO_BLOCK) continue;
      const block = d[at]! - 1;
      const from = (block & BLOCK_PAGE_MASK) * this.bytes;
      entries.push(
        bucket,
        this.blockPages[block >>> BLOCK_PAGE_BITS]!.slice(from, from + this.bytes),
      );
    }
    const counted = d[base + SET] !== STALE && d[base + FIRST] !== NONE_COUNTED;
    const union = counted ? [d[base + SET]!, d[base + FIRST]!] : 0;
    return [0, head, entries.length / 2, union, ...entries];
  }

  fromFlat(window: Window): number {
    const slot = this.alloc();
    const d = this.page(slot);
    const base = this.base(slot);
    const head = window[H] as number;
    d[base + HEAD] = head;
    // The union's count as the window kept it (the Redis store reads a reloaded rule's
    // window with its count too, so both stores read it alike), else taken when read.
    const union = window[3];
    d[base + SET] = Array.isArray(union) ? (union[0] as number) : STALE;
    d[base + FIRST] = Array.isArray(union) ? (union[1] as number) : NONE_COUNTED;
    // The live entries' bitmaps, as this shape reads them: a rule reloaded with another
    // bitmap size keeps the bits that fit (flat-window.ts reads the bytes it counts).
    const kept = window[2] as number;
    for (let j = 4; j < 4 + kept * 2; j += 2) {
      const b = window[j] as number;
      if (b <= head - this.positions || b > head) continue;
      const bitmap = window[j + 1] as Uint8Array;
      const at = this.position(base, b);
      if (d[at] === NO_BLOCK) d[at] = this.newBlock() + 1;
      const block = d[at]! - 1;
      const page = this.blockPages[block >>> BLOCK_PAGE_BITS]!;
      const from = (block & BLOCK_PAGE_MASK) * this.bytes;
      page.set(bitmap.subarray(0, this.bytes), from);
    }
    return slot;
  }

  /** An empty window: no head, nothing counted (flat-window.ts's R of 0). */
  private empty(d: Float64Array, base: number): void {
    d[base + HEAD] = NO_HEAD;
    d[base + SET] = 0;
    d[base + FIRST] = NONE_COUNTED;
  }

  /** The head moved on to b: the positions of the buckets it passes give their bitmaps back. */
  private advance(d: Float64Array, base: number, b: number): void {
    const head = d[base + HEAD]!;
    d[base + HEAD] = b;
    if (head === NO_HEAD) return;
    const passed = Math.min(b - head, this.positions);
    for (let bucket = head + 1; bucket <= head + passed; bucket += 1)
      this.release(d, this.position(base, bucket));
  }

  /** Whether a live bitmap other than the one at position `at` has the bit. */
  private setElsewhere(d: Float64Array, base: number, at: number, byte: number, mask: number) {
    for (let p = base + RING; p < base + this.stride; p += 1) {
      if (p === at || d[p] === NO_BLOCK) continue;
      const block = d[p]! - 1;
      const page = this.blockPages[block >>> BLOCK_PAGE_BITS]!;
      if ((page[(block & BLOCK_PAGE_MASK) * this.bytes + byte]! & mask) !== 0) return true;
    }
    return false;
  }

  /**
   * Bits set in the union of the live bitmaps: the count kept while the oldest bucket it
   * counted is in the window, else counted again (flat-window.ts unionBitsSet).
   */
  private unionSet(d: Float64Array, base: number): number {
    const head = d[base + HEAD]!;
    const oldest = head - this.positions + 1;
    const cached = d[base + SET]!;
    // (NONE_COUNTED, infinite, is never older: an empty union's count of 0 holds.)
    if (cached !== STALE && d[base + FIRST]! >= oldest) return cached;
    const { gathered, gatheredPages } = this;
    let live = 0;
    let first = NONE_COUNTED;
    for (let bucket = oldest; head !== NO_HEAD && bucket <= head; bucket += 1) {
      const p = this.position(base, bucket);
      if (d[p] === NO_BLOCK) continue;
      const block = d[p]! - 1;
      gatheredPages[live] = this.blockPages[block >>> BLOCK_PAGE_BITS]!;
      gathered[live] = (block & BLOCK_PAGE_MASK) * this.bytes;
      if (live === 0) first = bucket;
      live += 1;
    }
    let set = 0;
    for (let byte = 0; byte < this.bytes; byte += 1) {
      let union = 0;
      for (let i = 0; i < live; i += 1) union |= gatheredPages[i]![gathered[i]! + byte]!;
      set += popcount8(union);
    }
    d[base + SET] = set;
    d[base + FIRST] = first;
    return set;
  }

  /** A zeroed bitmap's block number. */
  private newBlock(): number {
    const block = this.freedBlocks.length > 0 ? this.freedBlocks.pop()! : this.nextBlock++;
    if (block >>> BLOCK_PAGE_BITS >= this.blockPages.length)
      this.blockPages.push(new Uint8Array(BLOCK_PAGE_SIZE * this.bytes));
    const from = (block & BLOCK_PAGE_MASK) * this.bytes;
    this.blockPages[block >>> BLOCK_PAGE_BITS]!.fill(0, from, from + this.bytes);
    return block;
  }

  /** The position's bitmap, if any, back to the free list; the position emptied. */
  private release(d: Float64Array, at: number): void {
    if (d[at] === NO_BLOCK) return;
    this.freedBlocks.push(d[at]! - 1);
    d[at] = NO_BLOCK;
  }
}

function popcount8(byte: number): number {
  let count = 0;
  for (let value = byte; value !== 0; value &= value - 1) count += 1;
  return count;
}
