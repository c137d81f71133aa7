// The memory store's windows of one shape, in an arena: counter and sequence windows as
// fixed-size slots of Float64Array pages, so a replay's hundreds of thousands of windows
// are no JavaScript objects the collector copies and marks (issue 16: a replay spent a
// fifth of its time in scavenges, copying windows and their grown arrays). A window is
// a slot number. Distinct windows (bitmaps) have an arena of their own shape,
// distinct-arena.ts: their slots hold bitmaps' numbers, a bitmap per live bucket only.
//
// A counter or sequence slot is a ring of the window's buckets, as the reference store
// (test/support/reference-memory-store.ts) keeps them, where flat-window.ts keeps a
// list of the live buckets; the readings are the same (the differential tests hold
// both to the reference), and `toFlat`/`fromFlat` convert between the two layouts (a
// rule reloaded with another shape: its windows are read by the new one, as the Redis
// store reads its values).
//
//   slot: [head bucket, recent ids kept (sequence), each ring
//          position's figures (counter: one per figure; sequence: close ids, new ids),
//          then (sequence) the recent ids, oldest first, or past INLINE_IDS of them
//          the number of their block]
//   Ring position p holds the one bucket of the window that is p modulo the window's
//   bucket count, or zeros: when the head moves on, the positions of the buckets it
//   passes are emptied, so no position holds a bucket that has left the window, and no
//   bucket number is kept per position (a quarter of a slot; issue 16, RSS). An entry
//   of zeros reads as no entry, as in every layout: readings are sums. A slot holds up to
//   INLINE_IDS recent ids; a window with more (a scanner's, a busy user's) keeps them in
//   a block of 16, then of `recentIds` (64 by default) once it outgrows 16
//   (recent-id-blocks.ts): a slot sized for 64 would double the arena for the few
//   windows that need it.
import { HEAD, NO_HEAD, RingSlots, type WindowArena } from './arena.js';
import { DistinctArena } from './distinct-arena.js';
import { H, peekWindow, type Window, type WindowSpec } from './flat-window.js';
import { IdBlocks } from './recent-id-blocks.js';

export type { WindowArena } from './arena.js';

export function arenaFor(spec: WindowSpec): WindowArena {
  return spec.kind === 'd' ? new DistinctArena(spec) : new RingArena(spec);
}

// Slot offsets (HEAD first).
const RECENT_COUNT = 1;
/** Where the ring positions' figures start. */
const RING = 2;

/** Recent ids a sequence slot holds itself. */
const INLINE_IDS = 8;
/** Recent ids of the smaller blocks, for lists past INLINE_IDS. */
const SMALL_BLOCK_IDS = 16;

// What a sequence step found among the recent ids (the new id then pushed, unless SEEN).
const FAR = 0;
const CLOSE = 1;
const SEEN = 2;

class RingArena extends RingSlots implements WindowArena {
  /** Figures of a ring position. */
  private readonly figures: number;
  /** Where the recent ids start (sequence). */
  private readonly recentAt: number;
  private readonly isSequence: boolean;
  /** Recent ids a slot holds (sequence). */
  private readonly inline: number;
  /** Blocks for a window's recent ids past `inline`, then past the small blocks' size. */
  private readonly smallBlocks: IdBlocks;
  private readonly largeBlocks: IdBlocks;

  constructor(spec: WindowSpec) {
    const isSequence = spec.kind === 's';
    const figures = isSequence ? 2 : spec.p1;
    const inline = isSequence ? Math.min(spec.p2, INLINE_IDS) : 0;
    super(spec, RING, figures, inline);
    this.isSequence = isSequence;
    this.figures = figures;
    this.inline = inline;
    this.recentAt = RING + this.positions * figures;
    this.smallBlocks = new IdBlocks(Math.min(SMALL_BLOCK_IDS, spec.p2));
    this.largeBlocks = new IdBlocks(spec.p2);
  }

  alloc(): number {
    const slot = this.takeSlot();
    this.reset(slot);
    return slot;
  }

  reset(slot: number): void {
    const d = this.page(slot);
    const base = this.base(slot);
    d[base + HEAD] = NO_HEAD;
    const count = d[base + RECENT_COUNT]!;
    if (count > this.inline) this.blocksOf(count).free(d[base + this.recentAt]!);
    d[base + RECENT_COUNT] = 0;
    d.fill(0, base + RING, base + this.recentAt);
  }

  apply(slot: number, ts: number, value: number | readonly number[]): number[] {
    const d = this.page(slot);
    const base = this.base(slot);
    const b = Math.floor(ts / this.spec.bucketMs);
    if (b > d[base + HEAD]!) this.advance(d, base, b);
    const live = b > d[base + HEAD]! - this.positions;
    if (!this.isSequence) {
      if (live) {
        const at = this.position(base, b);
        const amounts = value as readonly number[];
        for (let fig = 0; fig < this.figures; fig += 1) d[at + fig] = d[at + fig]! + amounts[fig]!;
      }
      return this.sums(d, base);
    }
    return this.applySequence(d, base, b, live, value as number);
  }

  peek(slot: number, value: number | readonly number[]): number[] {
    if (slot < 0) return peekWindow(undefined, this.spec, value);
    const d = this.page(slot);
    const base = this.base(slot);
    const reading = this.sums(d, base);
    if (this.isSequence) reading[2] = this.closeToOthers(d, base, value as number) ? 1 : 0;
    return reading;
  }

  toFlat(slot: number): Window {
    const d = this.page(slot);
    const base = this.base(slot);
    const head = d[base + HEAD]!;
    const entries: number[][] = [];
    // The window's buckets, each from its position (those holding only zeros left out).
    for (let bucket = head - this.positions + 1; head !== NO_HEAD && bucket <= head; bucket += 1) {
      const at = this.position(base, bucket);
      const figures = [...d.subarray(at, at + this.figures)];
      if (figures.some((figure) => figure !== 0)) entries.push([bucket, ...figures]);
    }
    entries.sort((a, b) => a[0]! - b[0]!);
    const recent = this.isSequence ? this.recentIds(d, base) : 0;
    return [0, head, entries.length, recent, ...entries.flat()];
  }

  fromFlat(window: Window): number {
    const slot = this.alloc();
    const d = this.page(slot);
    const base = this.base(slot);
    const head = window[H] as number;
    d[base + HEAD] = head;
    // Its entries as this shape reads them: the live ones (a flat window keeps dead ones
    // until a new bucket needs room; no reading counts them).
    const width = 1 + this.figures;
    const kept = window[2] as number;
    for (let j = 4; j < 4 + kept * width; j += width) {
      const b = window[j] as number;
      if (b <= head - this.positions || b > head) continue;
      const at = this.position(base, b);
      for (let fig = 0; fig < this.figures; fig += 1) d[at + fig] = window[j + 1 + fig] as number;
    }
    if (this.isSequence) {
      // Only the last `recentIds` are recent (flat-window.ts trims a longer list so).
      const recent = (window[3] as number[]).slice(-this.spec.p2);
      const count = recent.length;
      if (count > this.inline) {
        const blocks = this.blocksOf(count);
        const block = blocks.alloc();
        blocks.page(block).set(recent, blocks.base(block));
        d[base + this.recentAt] = block;
      } else {
        d.set(recent, base + this.recentAt);
      }
      d[base + RECENT_COUNT] = count;
    }
    return slot;
  }

  /**
   * The head moved on to b: the positions of the buckets it passes are emptied (all of
   * them when it passes a whole window), so each position holds a bucket of the window.
   */
  private advance(d: Float64Array, base: number, b: number): void {
    const head = d[base + HEAD]!;
    d[base + HEAD] = b;
    // A new window's slot was emptied when it was made (reset).
    if (head === NO_HEAD) return;
    if (b - head >= this.positions) {
      d.fill(0, base + RING, base + this.recentAt);
      return;
    }
    for (let bucket = head + 1; bucket <= b; bucket += 1) {
      const at = this.position(base, bucket);
      d.fill(0, at, at + this.figures);
    }
  }

  /**
   * Every position's figures, summed: each holds a bucket of the window, or zeros. Each
   * figure's sum in ring order, into an array of the reading's size made at once: a
   * reading is made for every step (an array filled with zeros first, then given a sum
   * that was not a small integer, was made again; one grown by pushes is made too big).
   */
  private sums(d: Float64Array, base: number): number[] {
    const { figures } = this;
    const first = base + RING;
    const end = base + this.recentAt;
    if (figures === 2) {
      // Sequences (close ids, new ids) and counters of two figures, the common case.
      let sum0 = 0;
      let sum1 = 0;
      for (let at = first; at < end; at += 2) {
        sum0 += d[at]!;
        sum1 += d[at + 1]!;
      }
      // A sequence's third figure: whether this step's id was close (the caller sets it).
      return this.isSequence ? [sum0, sum1, 0] : [sum0, sum1];
    }
    if (figures === 1) {
      let sum = 0;
      for (let at = first; at < end; at += 1) sum += d[at]!;
      return [sum];
    }
    const totals = new Array<number>(figures);
    for (let fig = 0; fig < figures; fig += 1) {
      let sum = 0;
      for (let at = first + fig; at < end; at += figures) sum += d[at]!;
      totals[fig] = sum;
    }
    return totals;
  }

  /** flat-window.ts applySequence, on the slot's ring and recent ids. */
  private applySequence(
    d: Float64Array,
    base: number,
    b: number,
    live: boolean,
    id: number,
  ): number[] {
    let found = FAR;
    if (live) {
      found = this.recentStep(d, base, id);
      // A repeat fetches no new record: it counts in neither figure.
      if (found !== SEEN) {
        const entry = this.position(base, b);
        d[entry + 1] = d[entry + 1]! + 1;
        if (found === CLOSE) d[entry] = d[entry]! + 1;
      }
    }
    const reading = this.sums(d, base);
    reading[2] = found === CLOSE ? 1 : 0;
    return reading;
  }

  /**
   * The recent-id step of a sequence observation, as flat-window.ts takes it: a repeat
   * moves to the newest end (SEEN); a new id is CLOSE when within the gap of one of the
   * last `closeAmong` (all when 0), and pushed, the oldest dropped past `recentIds`. The
   * ids are in the slot up to `inline` of them, then in a block (recentIdsAt).
   */
  private recentStep(d: Float64Array, base: number, id: number): number {
    const { p1: maxGap, p3: closeAmong } = this.spec;
    const count = d[base + RECENT_COUNT]!;
    // Where the ids are (recentIdsAt, without its array: this runs for every step).
    let ids = d;
    let at = base + this.recentAt;
    if (count > this.inline) {
      const blocks = this.blocksOf(count);
      const block = d[at]!;
      ids = blocks.page(block);
      at = blocks.base(block);
    }
    for (let i = count - 1; i >= 0; i -= 1) {
      if (ids[at + i] === id) {
        ids.copyWithin(at + i, at + i + 1, at + count);
        ids[at + count - 1] = id;
        return SEEN;
      }
    }
    let found = FAR;
    const from = closeAmong > 0 ? Math.max(0, count - closeAmong) : 0;
    for (let i = from; i < count; i += 1) {
      const gap = ids[at + i]! - id;
      if (gap <= maxGap && gap >= -maxGap) {
        found = CLOSE;
        break;
      }
    }
    this.pushRecent(d, base, count, ids, at, id);
    return found;
  }

  /** A new id after the `count` at ids[at…]: in place, in a larger block, or the oldest out. */
  private pushRecent(
    d: Float64Array,
    base: number,
    count: number,
    ids: Float64Array,
    at: number,
    id: number,
  ): void {
    const recentIds = this.spec.p2;
    if (count === recentIds) {
      ids.copyWithin(at, at + 1, at + count);
      ids[at + count - 1] = id;
      return;
    }
    if (count < this.capacityOf(count)) {
      ids[at + count] = id;
      d[base + RECENT_COUNT] = count + 1;
      return;
    }
    // Full, and the rule keeps more: into a block of the next size, the old one given back.
    const blocks = this.blocksOf(count + 1);
    const block = blocks.alloc();
    const to = blocks.page(block);
    const start = blocks.base(block);
    to.set(ids.subarray(at, at + count), start);
    to[start + count] = id;
    if (count > this.inline) this.blocksOf(count).free(d[base + this.recentAt]!);
    d[base + this.recentAt] = block;
    d[base + RECENT_COUNT] = count + 1;
  }

  /** Where the slot's `count` recent ids are: the slot itself, or its block's page. */
  private recentIdsAt(d: Float64Array, base: number, count: number): [Float64Array, number] {
    if (count <= this.inline) return [d, base + this.recentAt];
    const blocks = this.blocksOf(count);
    const block = d[base + this.recentAt]!;
    return [blocks.page(block), blocks.base(block)];
  }

  /** The blocks that hold a list of `count` ids (past `inline`). */
  private blocksOf(count: number): IdBlocks {
    return count <= this.smallBlocks.capacity ? this.smallBlocks : this.largeBlocks;
  }

  /** How many ids the place of a list of `count` holds. */
  private capacityOf(count: number): number {
    return count <= this.inline ? this.inline : this.blocksOf(count).capacity;
  }

  /** The slot's recent ids, oldest first (a copy). */
  private recentIds(d: Float64Array, base: number): number[] {
    const count = d[base + RECENT_COUNT]!;
    const [ids, at] = this.recentIdsAt(d, base, count);
    return Array.from(ids.subarray(at, at + count));
  }

  /** Whether id lies within the gap of one of the recent ids other than itself. */
  private closeToOthers(d: Float64Array, base: number, id: number): boolean {
    const { p1: maxGap, p2: recentIds, p3: closeAmong } = this.spec;
    const recent = this.recentIds(d, base);
    const from = Math.max(0, recent.length - (closeAmong > 0 ? closeAmong : recentIds));
    for (let i = from; i < recent.length; i += 1) {
      const gap = recent[i]! - id;
      if (gap !== 0 && gap <= maxGap && gap >= -maxGap) return true;
    }
    return false;
  }
}
