// One window's arithmetic, on the flat layout its actor's value keeps it in (the layout
// of the Redis store's value, state-value.ts, and of the Lua that did this arithmetic
// before, which a rolling upgrade may still run beside this version):
//
//   [deadline, head bucket, buckets kept, R, then per bucket kept: its index and its
//    figures (counter: one per figure; sequence: close ids, new ids) or its bitmap
//    (distinct: bits / 8 bytes)]
//   R: a sequence's recent ids (oldest first, at most recentIds); a distinct window's
//      [bits set in the union of its live buckets, the oldest bucket counted], or 0
//
// Only live buckets are kept: a window costs what it holds. Both stores work their
// windows with these functions: the memory store on arrays it keeps, the Redis store on
// values it reads. The readings are those of an independent implementation,
// test/support/reference-memory-store.ts (the differential tests feed them the same
// random streams).
import { linearCountEstimate } from './arithmetic.js';
import type { Packed } from './msgpack.js';

/** A window's shape as the steps of one spec measure it. */
export interface WindowSpec {
  readonly kind: 'c' | 's' | 'd';
  readonly windowMs: number;
  readonly bucketMs: number;
  /** Counter: figures; sequence: max gap; distinct: bits. */
  readonly p1: number;
  /** Sequence: recent ids kept. */
  readonly p2: number;
  /** Sequence: close among the last p3 recent ids (0: all). */
  readonly p3: number;
}

// The slots of a window (D, H, K, R, E; 0-based).
export const D = 0;
export const H = 1;
const K = 2;
const R = 3;
const E = 4;

/** A window, as decoded from its msgpack (state-value.ts). */
export type Window = Packed[];

/** A new window, empty. */
export function newWindow(spec: WindowSpec): Window {
  return [0, -1, 0, spec.kind === 's' ? [] : 0];
}

/** The window emptied in place, as newWindow makes it (its recent-id list kept, emptied). */
export function resetWindow(st: Window, spec: WindowSpec): void {
  const recent = st[R];
  st.length = E;
  st[D] = 0;
  st[H] = -1;
  st[K] = 0;
  if (spec.kind !== 's') st[R] = 0;
  else if (Array.isArray(recent)) recent.length = 0;
  else st[R] = [];
}

/** True when no bucket of the window would survive a move of its head to `ts`. */
export function wouldExpire(st: Window, spec: WindowSpec, ts: number): boolean {
  return Math.floor(ts / spec.bucketMs) - (st[H] as number) >= bucketsOf(spec);
}

/**
 * The observation applied; the reading. `value`: a counter's amounts, an id or a bit.
 * `ownsBitmaps`: the window's bitmaps are its own (the memory store's), set in place;
 * otherwise they are views of the bytes read from Redis, which the commit compares
 * with what Redis holds, so a changed bitmap is a copy.
 */
export function applyToWindow(
  st: Window,
  spec: WindowSpec,
  ts: number,
  value: number | readonly number[],
  ownsBitmaps = false,
): number[] {
  if (spec.kind === 'c') return applyCounter(st, spec, ts, value as readonly number[]);
  if (spec.kind === 's') return applySequence(st, spec, ts, value as number);
  return applyDistinct(st, spec, ts, value as number, ownsBitmaps);
}

/** The reading as it stands (a redelivered record's), changing nothing; no window: zeros. */
export function peekWindow(
  st: Window | undefined,
  spec: WindowSpec,
  value: number | readonly number[],
): number[] {
  if (spec.kind === 'd') return st ? distinctReading(st, spec) : freshReading(spec);
  const reading = st ? sums(st, spec) : freshReading(spec);
  if (spec.kind === 's') reading[2] = st && closeToOthers(st, spec, value as number) ? 1 : 0;
  return reading;
}

function bucketsOf(spec: WindowSpec): number {
  return Math.ceil(spec.windowMs / spec.bucketMs);
}

function figuresOf(spec: WindowSpec): number {
  return spec.kind === 'c' ? spec.p1 : spec.kind === 's' ? 2 : 0;
}

/** Moves the head to ts's bucket if newer; the bucket, and whether it is in the window. */
function advance(st: Window, ts: number, spec: WindowSpec): number {
  const b = Math.floor(ts / spec.bucketMs);
  if (b > (st[H] as number)) st[H] = b;
  return b;
}

function isLive(st: Window, b: number, spec: WindowSpec): boolean {
  return b > (st[H] as number) - bucketsOf(spec);
}

/** The position of bucket b's entry, made (empty) if missing; dead buckets are dropped. */
function entry(st: Window, b: number, spec: WindowSpec, width: number): number {
  const k = st[K] as number;
  for (let j = E + (k - 1) * width; j >= E; j -= width) if (st[j] === b) return j;
  const oldest = (st[H] as number) - bucketsOf(spec) + 1;
  let kept = 0;
  for (let j = E; j <= E + (k - 1) * width; j += width) {
    if ((st[j] as number) >= oldest) {
      const to = E + kept * width;
      if (to !== j) for (let x = 0; x < width; x += 1) st[to + x] = st[j + x]!;
      kept += 1;
    }
  }
  const at = E + kept * width;
  st.length = at;
  st.push(b);
  if (spec.kind === 'd') st.push(new Uint8Array(Math.ceil(spec.p1 / 8)));
  else for (let x = 1; x < width; x += 1) st.push(0);
  st[K] = kept + 1;
  return at;
}

function freshReading(spec: WindowSpec): number[] {
  return new Array<number>(spec.kind === 's' ? 3 : Math.max(figuresOf(spec), 1)).fill(0);
}

function sums(st: Window, spec: WindowSpec): number[] {
  const f = figuresOf(spec);
  const totals = freshReading(spec);
  const oldest = (st[H] as number) - bucketsOf(spec) + 1;
  const width = f + 1;
  for (let j = E; j <= E + ((st[K] as number) - 1) * width; j += width) {
    if ((st[j] as number) >= oldest) {
      for (let x = 1; x <= f; x += 1) totals[x - 1]! += st[j + x] as number;
    }
  }
  return totals;
}

function applyCounter(
  st: Window,
  spec: WindowSpec,
  ts: number,
  amounts: readonly number[],
): number[] {
  const b = advance(st, ts, spec);
  if (isLive(st, b, spec)) {
    const at = entry(st, b, spec, spec.p1 + 1);
    for (let fig = 1; fig <= spec.p1; fig += 1) {
      st[at + fig] = (st[at + fig] as number) + amounts[fig - 1]!;
    }
  }
  return sums(st, spec);
}

function popcount8(byte: number): number {
  let count = 0;
  for (let value = byte; value !== 0; value &= value - 1) count += 1;
  return count;
}

/**
 * Bits set in the union of the live buckets' bitmaps. R keeps that count with the oldest
 * bucket counted, true until that bucket dies (the layout the previous
 * version reads, so the cache is kept the same way).
 */
function unionBitsSet(st: Window, spec: WindowSpec): number {
  const oldest = (st[H] as number) - bucketsOf(spec) + 1;
  const cached = st[R];
  if (Array.isArray(cached) && (cached[1] as number) >= oldest) return cached[0] as number;
  const live: Uint8Array[] = [];
  let first = Number.POSITIVE_INFINITY;
  for (let j = E; j <= E + ((st[K] as number) - 1) * 2; j += 2) {
    const bucket = st[j] as number;
    if (bucket >= oldest) {
      live.push(st[j + 1] as Uint8Array);
      if (bucket < first) first = bucket;
    }
  }
  if (live.length === 0) {
    st[R] = 0;
    return 0;
  }
  let set = 0;
  const bytes = Math.ceil(spec.p1 / 8);
  for (let byte = 0; byte < bytes; byte += 1) {
    let union = 0;
    for (const bitmap of live) union |= bitmap[byte]!;
    set += popcount8(union);
  }
  st[R] = [set, first];
  return set;
}

/** Bucket b's bitmap (at st[at + 1]) has just set `mask` of `byte`: one more bit unless another live bucket has it. */
function unionGainsBit(
  st: Window,
  spec: WindowSpec,
  at: number,
  b: number,
  byte: number,
  mask: number,
): void {
  const oldest = (st[H] as number) - bucketsOf(spec) + 1;
  for (let j = E; j <= E + ((st[K] as number) - 1) * 2; j += 2) {
    if (
      j !== at &&
      (st[j] as number) >= oldest &&
      ((st[j + 1] as Uint8Array)[byte]! & mask) !== 0
    ) {
      return;
    }
  }
  const cached = st[R];
  if (Array.isArray(cached)) {
    cached[0] = (cached[0] as number) + 1;
    if (b < (cached[1] as number)) cached[1] = b;
  } else {
    st[R] = [1, b];
  }
}

function distinctReading(st: Window, spec: WindowSpec): number[] {
  return [linearCountEstimate(unionBitsSet(st, spec), spec.p1)];
}

function applyDistinct(
  st: Window,
  spec: WindowSpec,
  ts: number,
  bit: number,
  ownsBitmaps: boolean,
): number[] {
  const b = advance(st, ts, spec);
  if (isLive(st, b, spec)) {
    unionBitsSet(st, spec);
    const at = entry(st, b, spec, 2);
    const byte = bit >> 3;
    const mask = 1 << (bit & 7);
    const bitmap = st[at + 1] as Uint8Array;
    const old = bitmap[byte]!;
    if ((old & mask) === 0) {
      // A bitmap kept while the rule had fewer bits (a reloaded threshold) grows to this
      // shape's size, so the bit is kept, as the memory store's arena keeps it.
      const bytes = Math.ceil(spec.p1 / 8);
      const changed = ownsBitmaps && bitmap.length >= bytes ? bitmap : grownCopy(bitmap, bytes);
      changed[byte] = old | mask;
      st[at + 1] = changed;
      unionGainsBit(st, spec, at, b, byte, mask);
    }
  }
  return distinctReading(st, spec);
}

/** A copy of the bitmap, at least `bytes` long (the bytes past it zeros). */
function grownCopy(bitmap: Uint8Array, bytes: number): Uint8Array {
  const copy = new Uint8Array(Math.max(bitmap.length, bytes));
  copy.set(bitmap);
  return copy;
}

/** Only the last p2 recent ids are recent: a list kept while a rule kept more loses its oldest. */
function trimRecent(recent: number[], spec: WindowSpec): void {
  if (recent.length > spec.p2) recent.splice(0, recent.length - spec.p2);
}

function applySequence(st: Window, spec: WindowSpec, ts: number, id: number): number[] {
  const b = advance(st, ts, spec);
  const recent = st[R] as number[];
  trimRecent(recent, spec);
  let seen = false;
  let close = false;
  if (isLive(st, b, spec)) {
    const at = recent.lastIndexOf(id);
    if (at >= 0) {
      // A repeat moves its id to the newest end (memory-store.ts, the same rule).
      seen = true;
      recent.splice(at, 1);
      recent.push(id);
    } else {
      // Close: within the gap of one of the last p3 recent ids (all when 0).
      const from = spec.p3 > 0 ? Math.max(0, recent.length - spec.p3) : 0;
      for (let i = from; i < recent.length; i += 1) {
        const d = recent[i]! - id;
        if (d <= spec.p1 && d >= -spec.p1) {
          close = true;
          break;
        }
      }
      // A repeat fetches no new record: it counts in neither figure (close ids, new ids).
      const bucketAt = entry(st, b, spec, 3);
      st[bucketAt + 2] = (st[bucketAt + 2] as number) + 1;
      if (close) st[bucketAt + 1] = (st[bucketAt + 1] as number) + 1;
      recent.push(id);
      if (recent.length > spec.p2) recent.shift();
    }
  }
  const reading = sums(st, spec);
  reading[2] = !seen && close ? 1 : 0;
  return reading;
}

/** Whether id lies within the gap of one of the recent ids other than itself (a redelivery's third figure). */
function closeToOthers(st: Window, spec: WindowSpec, id: number): boolean {
  const recent = st[R] as number[];
  const from = Math.max(0, recent.length - (spec.p3 > 0 ? spec.p3 : spec.p2));
  for (let i = from; i < recent.length; i += 1) {
    const d = recent[i]! - id;
    if (d !== 0 && d <= spec.p1 && d >= -spec.p1) return true;
  }
  return false;
}
