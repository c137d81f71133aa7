// What the memory store's arenas share (window-arena.ts: counter and sequence windows;
// distinct-arena.ts: distinct windows): a window is a slot number, slots are fixed-size
// runs of Float64Array pages, and each slot keeps its window's buckets in a ring.
import type { Window, WindowSpec } from './flat-window.js';

/** One shape's windows, by slot number. */
export interface WindowArena {
  readonly spec: WindowSpec;
  /** A new, empty window's slot. */
  alloc(): number;
  free(slot: number): void;
  /** The observation applied; the reading (flat-window.ts `applyToWindow`). */
  apply(slot: number, ts: number, value: number | readonly number[]): number[];
  /** The reading as it stands, changing nothing; slot -1: no window (zeros). */
  peek(slot: number, value: number | readonly number[]): number[];
  /** True when no bucket of the window would survive a move of its head to `ts`. */
  wouldExpire(slot: number, ts: number): boolean;
  /** The window emptied in place. */
  reset(slot: number): void;
  /** The window's newest bucket (-1 when empty). */
  head(slot: number): number;
  /** The window in flat-window.ts's layout (a copy). */
  toFlat(slot: number): Window;
  /** A slot holding `window` (flat layout), read by this arena's shape. */
  fromFlat(window: Window): number;
}

/** Slots per page: pages are never copied as the arena grows. */
const PAGE_BITS = 12;
const PAGE_SLOTS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SLOTS - 1;

/** A slot's first number: its window's newest bucket. */
export const HEAD = 0;
/** The head of an empty window: every bucket is newer. */
export const NO_HEAD = -1;

/**
 * Slots of `stride` numbers in pages, reused through a free list; ring positions, one
 * per bucket of the window, `width` numbers each from `ringAt` in a slot.
 */
export abstract class RingSlots {
  private readonly pages: Float64Array[] = [];
  private readonly freed: number[] = [];
  private next = 0;
  /** Ring positions (buckets in a window). */
  protected readonly positions: number;
  protected readonly stride: number;

  constructor(
    readonly spec: WindowSpec,
    private readonly ringAt: number,
    private readonly width: number,
    /** Numbers of a slot past its ring. */
    after: number,
  ) {
    this.positions = Math.ceil(spec.windowMs / spec.bucketMs);
    this.stride = ringAt + this.positions * width + after;
  }

  head(slot: number): number {
    return this.page(slot)[this.base(slot) + HEAD]!;
  }

  wouldExpire(slot: number, ts: number): boolean {
    return Math.floor(ts / this.spec.bucketMs) - this.head(slot) >= this.positions;
  }

  /** The window emptied in place, what it holds beside its slot given back. */
  abstract reset(slot: number): void;

  /** Emptied first, so that what it holds beside its slot (bitmaps, recent ids) goes back too. */
  free(slot: number): void {
    this.reset(slot);
    this.giveBack(slot);
  }

  /** A slot off the free list or a new one, as it was left (the caller empties it). */
  protected takeSlot(): number {
    const slot = this.freed.length > 0 ? this.freed.pop()! : this.next++;
    if (slot >>> PAGE_BITS >= this.pages.length)
      this.pages.push(new Float64Array(PAGE_SLOTS * this.stride));
    return slot;
  }

  private giveBack(slot: number): void {
    this.freed.push(slot);
  }

  /** The page that holds the slot. */
  protected page(slot: number): Float64Array {
    return this.pages[slot >>> PAGE_BITS]!;
  }

  /** Where the slot starts in its page. */
  protected base(slot: number): number {
    return (slot & PAGE_MASK) * this.stride;
  }

  /** Where bucket b's ring position is, in the page of the slot at `base` (b in the window). */
  protected position(base: number, b: number): number {
    // b's ring position, b mod positions (b ≥ 0 or not). Floor and product, not `%`: b
    // comes from a Float64Array, and V8 takes a double's `%` to a C call (fmod), which
    // was 2-3 % of a replay (issue 16). Exact: b and the quotient are far below 2^53.
    const { positions } = this;
    const p = b - Math.floor(b / positions) * positions;
    return base + this.ringAt + p * this.width;
  }
}
