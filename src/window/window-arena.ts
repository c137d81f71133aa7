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
//   slot: [head bucket, recent ids kept (sequence; SPILLED: in a list), each ring
//          position's figures (counter: one per figure; sequence: close ids, new ids),
//          then (sequence) the recent ids, oldest first]
//   Ring position p holds the one bucket of the window that is p modulo the window's
//   bucket count, or zeros: when the head moves on, the positions of the buckets it
//   passes are emptied, so no position holds a bucket that has left the window, and no
//   bucket number is kept per position (a quarter of a slot; issue 16, RSS). An entry
//   of zeros reads as no entry, as in every layout: readings are sums. A slot holds up to
//   INLINE_IDS recent ids; a window with more (a scanner's, a busy user's) keeps them in
//   a list of up to `recentIds` (64 by default) beside the arena: a slot sized for 64
//   would double the arena for the few windows that need it.
import { HEAD, NO_HEAD, RingSlots, type WindowArena } from './arena.js';
import { DistinctArena } from './distinct-arena.js';
import { H, peekWindow, type Window, type WindowSpec } from './flat-window.js';

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
/** The recent-id count of a slot whose ids are in its list. */
const SPILLED = -1;

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
  /** The recent ids of slots that hold more than `inline`, by slot. */
  private readonly spilled = new Map<number, number[]>();

  constructor(spec: WindowSpec) {
    const isSequence = spec.kind === 's';
    const figures = isSequence ? 2 : spec.p1;
    const inline = isSequence ? Math.min(spec.p2, INLINE_IDS) : 0;
    super(spec, RING, figures, inline);
    this.isSequence = isSequence;
    this.figures = figures;
    this.inline = inline;
    this.recentAt = RING + this.positions * figures;
  }

  alloc(): number {
    const slot = this.takeSlot();
    this.reset(slot);
    return slot;
  }

  free(slot: number): void {
    this.spilled.delete(slot);
    this.giveBack(slot);
  }

  reset(slot: number): void {
    const d = this.page(slot);
    const base = this.base(slot);
    d[base + HEAD] = NO_HEAD;
    if (d[base + RECENT_COUNT] === SPILLED) this.spilled.delete(slot);
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
    return this.applySequence(slot, d, base, b, live, value as number);
  }

  peek(slot: number, value: number | readonly number[]): number[] {
    if (slot < 0) return peekWindow(undefined, this.spec, value);
    const d = this.page(slot);
    const base = this.base(slot);
    const reading = this.sums(d, base);
    if (this.isSequence) reading[2] = this.closeToOthers(slot, d, base, value as number) ? 1 : 0;
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
    const recent = this.isSequence ? this.recentIds(slot, d, base) : 0;
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
      if (recent.length > this.inline) {
        this.spilled.set(slot, recent);
        d[base + RECENT_COUNT] = SPILLED;
      } else {
        d.set(recent, base + this.recentAt);
        d[base + RECENT_COUNT] = recent.length;
      }
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

  /** Every position's figures, summed: each holds a bucket of the window, or zeros. */
  private sums(d: Float64Array, base: number): number[] {
    const { figures } = this;
    const totals = new Array<number>(this.isSequence ? 3 : figures).fill(0);
    const end = base + this.recentAt;
    for (let at = base + RING; at < end; at += figures) {
      for (let fig = 0; fig < figures; fig += 1) totals[fig]! += d[at + fig]!;
    }
    return totals;
  }

  /** flat-window.ts applySequence, on the slot's ring and recent ids. */
  private applySequence(
    slot: number,
    d: Float64Array,
    base: number,
    b: number,
    live: boolean,
    id: number,
  ): number[] {
    let found = FAR;
    if (live) {
      const count = d[base + RECENT_COUNT]!;
      found =
        count === SPILLED
          ? listStep(this.spilled.get(slot)!, id, this.spec)
          : this.inlineStep(slot, d, base, count, id);
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

  /** listStep on the ids the slot holds; past `inline` of them, they move to a list. */
  private inlineStep(slot: number, d: Float64Array, base: number, count: number, id: number) {
    const { p1: maxGap, p2: recentIds, p3: closeAmong } = this.spec;
    const recent = base + this.recentAt;
    for (let i = count - 1; i >= 0; i -= 1) {
      if (d[recent + i] === id) {
        // A repeat moves its id to the newest end.
        d.copyWithin(recent + i, recent + i + 1, recent + count);
        d[recent + count - 1] = id;
        return SEEN;
      }
    }
    let found = FAR;
    const from = closeAmong > 0 ? Math.max(0, count - closeAmong) : 0;
    for (let i = from; i < count; i += 1) {
      const gap = d[recent + i]! - id;
      if (gap <= maxGap && gap >= -maxGap) {
        found = CLOSE;
        break;
      }
    }
    if (count < this.inline) {
      d[recent + count] = id;
      d[base + RECENT_COUNT] = count + 1;
    } else if (count < recentIds) {
      const list = Array.from(d.subarray(recent, recent + count));
      list.push(id);
      this.spilled.set(slot, list);
      d[base + RECENT_COUNT] = SPILLED;
    } else {
      d.copyWithin(recent, recent + 1, recent + count);
      d[recent + count - 1] = id;
    }
    return found;
  }

  /** The slot's recent ids, oldest first (a copy). */
  private recentIds(slot: number, d: Float64Array, base: number): number[] {
    const count = d[base + RECENT_COUNT]!;
    if (count === SPILLED) return [...this.spilled.get(slot)!];
    return Array.from(d.subarray(base + this.recentAt, base + this.recentAt + count));
  }

  /** Whether id lies within the gap of one of the recent ids other than itself. */
  private closeToOthers(slot: number, d: Float64Array, base: number, id: number): boolean {
    const { p1: maxGap, p2: recentIds, p3: closeAmong } = this.spec;
    const recent = this.recentIds(slot, d, base);
    const from = Math.max(0, recent.length - (closeAmong > 0 ? closeAmong : recentIds));
    for (let i = from; i < recent.length; i += 1) {
      const gap = recent[i]! - id;
      if (gap !== 0 && gap <= maxGap && gap >= -maxGap) return true;
    }
    return false;
  }
}

/**
 * The recent-id step of a sequence observation on a list of them, as flat-window.ts
 * takes it: a repeat moves to the newest end (SEEN); a new id is CLOSE when within the
 * gap of one of the last `closeAmong` (all when 0), and pushed, the oldest dropped past
 * `recentIds`.
 */
function listStep(recent: number[], id: number, spec: WindowSpec): number {
  const { p1: maxGap, p2: recentIds, p3: closeAmong } = spec;
  const at = recent.lastIndexOf(id);
  if (at >= 0) {
    recent.splice(at, 1);
    recent.push(id);
    return SEEN;
  }
  let found = FAR;
  const from = closeAmong > 0 ? Math.max(0, recent.length - closeAmong) : 0;
  for (let i = from; i < recent.length; i += 1) {
    const gap = recent[i]! - id;
    if (gap <= maxGap && gap >= -maxGap) {
      found = CLOSE;
      break;
    }
  }
  recent.push(id);
  if (recent.length > recentIds) recent.shift();
  return found;
}
