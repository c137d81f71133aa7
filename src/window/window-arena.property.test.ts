// The arena's ring slots (window-arena.ts) against flat-window.ts's arrays, which the
// Redis store keeps: on random shapes and streams (late events, expiry, repeats, ids far
// apart and close), the same readings, the same peeks, the same live content once
// converted to the flat layout, and the same readings after a window moves between the
// layouts (a reloaded rule's windows) or its slot is freed and made anew.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyToWindow,
  H,
  newWindow,
  peekWindow,
  resetWindow,
  wouldExpire,
  type Window,
  type WindowSpec,
} from './flat-window.js';
import { arenaFor, type WindowArena } from './window-arena.js';

const specArbitrary: fc.Arbitrary<WindowSpec> = fc
  .record({
    kind: fc.constantFrom<'c' | 's' | 'd'>('c', 's', 'd'),
    bucketMs: fc.integer({ min: 1, max: 10 }).map((n) => n * 1000),
    buckets: fc.integer({ min: 2, max: 24 }),
    figures: fc.integer({ min: 1, max: 3 }),
    maxGap: fc.integer({ min: 1, max: 40 }),
    recentIds: fc.integer({ min: 2, max: 64 }),
    closeAmong: fc.integer({ min: 0, max: 64 }),
    // Bitmaps of a byte, of the shipped 64 bytes, of a size not whole bytes.
    bits: fc.constantFrom(8, 100, 512, 1024),
  })
  .map(({ kind, bucketMs, buckets, figures, maxGap, recentIds, closeAmong, bits }) =>
    kind === 'c'
      ? { kind, windowMs: bucketMs * buckets, bucketMs, p1: figures, p2: 0, p3: 0 }
      : kind === 'd'
        ? { kind, windowMs: bucketMs * buckets, bucketMs, p1: bits, p2: 0, p3: 0 }
        : {
            kind,
            // A window need not be whole buckets (the last one is then cut short).
            windowMs: bucketMs * buckets - (buckets % 3 === 0 ? 500 : 0),
            bucketMs,
            p1: maxGap,
            p2: recentIds,
            p3: Math.min(closeAmong, recentIds),
          },
  );

/** A step: time moved by `dt` (negative: a late event), a value, sometimes a peek. */
interface Move {
  readonly dt: number;
  readonly id: number;
  readonly amounts: readonly number[];
  readonly peek: boolean;
}

const moveArbitrary: fc.Arbitrary<Move> = fc.record({
  dt: fc.oneof(
    fc.integer({ min: 0, max: 3000 }),
    fc.integer({ min: -20_000, max: 0 }),
    fc.integer({ min: 0, max: 400_000 }),
  ),
  // Ids near one another (walks) and far apart, and repeats.
  id: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 1_000_000 })),
  amounts: fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 3, maxLength: 3 }),
  peek: fc.boolean(),
});

/** A distinct step's bit: from the id, so that walks and repeats hit the same bits. */
const valueOf = (spec: WindowSpec, move: Move) =>
  spec.kind === 'c'
    ? move.amounts.slice(0, spec.p1)
    : spec.kind === 'd'
      ? move.id % spec.p1
      : move.id;

/**
 * The flat window's live buckets, sorted, and its recent ids as a reading sees them. A
 * bucket of zeros (a counter step that added nothing) counts as none: readings are sums,
 * and the ring keeps no bucket numbers to tell such a bucket from an empty position.
 */
function liveContent(window: Window, spec: WindowSpec) {
  const buckets = Math.ceil(spec.windowMs / spec.bucketMs);
  const width = spec.kind === 'c' ? 1 + spec.p1 : spec.kind === 'd' ? 2 : 3;
  const head = window[H] as number;
  const entries: number[][] = [];
  for (let j = 4; j < 4 + (window[2] as number) * width; j += width) {
    // A distinct bucket's entry: its number and its bitmap's bytes (those of the shape).
    const entry =
      spec.kind === 'd'
        ? [
            window[j] as number,
            ...(window[j + 1] as Uint8Array).subarray(0, Math.ceil(spec.p1 / 8)),
          ]
        : (window.slice(j, j + width) as number[]);
    if (entry[0]! > head - buckets && entry.slice(1).some((figure) => figure !== 0))
      entries.push(entry);
  }
  entries.sort((a, b) => a[0]! - b[0]!);
  const recent = spec.kind === 's' ? (window[3] as number[]).slice(-spec.p2) : 0;
  return { head, entries, recent };
}

/** Runs the moves on a flat window and an arena slot alike, comparing as it goes. */
function runBoth(spec: WindowSpec, moves: readonly Move[], start = 1_700_000_000_000) {
  const arena = arenaFor(spec);
  const flat = newWindow(spec);
  const slot = arena.alloc();
  let ts = start;
  for (const move of moves) {
    ts = Math.max(0, ts + move.dt);
    const value = valueOf(spec, move);
    if (move.peek) {
      const live = !wouldExpire(flat, spec, ts);
      expect(arena.wouldExpire(slot, ts)).toBe(!live);
      expect(arena.peek(live ? slot : -1, value)).toEqual(
        peekWindow(live ? flat : undefined, spec, value),
      );
    }
    // As the memory store does: an expired window is emptied in place, then applied.
    if (wouldExpire(flat, spec, ts)) resetWindow(flat, spec);
    if (arena.wouldExpire(slot, ts)) arena.reset(slot);
    expect(arena.apply(slot, ts, value)).toEqual(applyToWindow(flat, spec, ts, value, true));
    expect(arena.head(slot)).toBe(flat[H]);
  }
  return { arena, slot, flat, ts };
}

/** Goes on with more moves on a flat window and a slot that holds the same window. */
function goOn(
  arena: WindowArena,
  slot: number,
  flat: Window,
  spec: WindowSpec,
  from: number,
  moves: readonly Move[],
): void {
  let ts = from;
  for (const move of moves) {
    ts = Math.max(0, ts + move.dt);
    const value = valueOf(spec, move);
    if (wouldExpire(flat, spec, ts)) resetWindow(flat, spec);
    if (arena.wouldExpire(slot, ts)) arena.reset(slot);
    expect(arena.apply(slot, ts, value)).toEqual(applyToWindow(flat, spec, ts, value, true));
  }
}

describe('window arena against flat-window.ts', () => {
  it('gives the same readings, peeks and live content on random shapes and streams', () => {
    fc.assert(
      fc.property(specArbitrary, fc.array(moveArbitrary, { maxLength: 120 }), (spec, moves) => {
        const { arena, slot, flat } = runBoth(spec, moves);
        expect(liveContent(arena.toFlat(slot), spec)).toEqual(liveContent(flat, spec));
      }),
      { numRuns: 400 },
    );
  });

  it('keeps many windows’ recent ids apart as they grow into blocks and are freed', () => {
    // Several sequence windows of one arena, steps in turn: their ids outgrow the slot,
    // then the small blocks, and a window freed gives its block to the next that needs
    // one (recent-id-blocks.ts). Each must read as its own flat window.
    const sequences = specArbitrary.filter((spec) => spec.kind === 's');
    const turn = fc.record({
      window: fc.integer({ min: 0, max: 3 }),
      move: moveArbitrary,
      // Sometimes the window is dropped and a new one made in its place.
      renew: fc.integer({ min: 0, max: 30 }).map((n) => n === 0),
    });
    fc.assert(
      fc.property(sequences, fc.array(turn, { maxLength: 400 }), (spec, turns) => {
        const arena = arenaFor(spec);
        const slots = [0, 1, 2, 3].map(() => arena.alloc());
        const flats = slots.map(() => newWindow(spec));
        let ts = 1_700_000_000_000;
        for (const { window, move, renew } of turns) {
          if (renew) {
            arena.free(slots[window]!);
            slots[window] = arena.alloc();
            flats[window] = newWindow(spec);
          }
          // Time moves on slowly here, so that the ids pile up.
          ts = Math.max(0, ts + Math.min(move.dt, 200));
          const slot = slots[window]!;
          const flat = flats[window]!;
          if (wouldExpire(flat, spec, ts)) resetWindow(flat, spec);
          if (arena.wouldExpire(slot, ts)) arena.reset(slot);
          expect(arena.apply(slot, ts, move.id)).toEqual(
            applyToWindow(flat, spec, ts, move.id, true),
          );
        }
        for (const [i, slot] of slots.entries())
          expect(liveContent(arena.toFlat(slot), spec)).toEqual(liveContent(flats[i]!, spec));
      }),
      { numRuns: 300 },
    );
  });

  it('reads a window moved from the flat layout (fromFlat) as the flat layout goes on', () => {
    fc.assert(
      fc.property(
        specArbitrary,
        fc.array(moveArbitrary, { maxLength: 60 }),
        fc.array(moveArbitrary, { maxLength: 60 }),
        (spec, before, after) => {
          const first = runBoth(spec, before);
          const arena = arenaFor(spec);
          goOn(arena, arena.fromFlat(first.flat), first.flat, spec, first.ts, after);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a reloaded rule’s window by the new shape, as the flat layout does', () => {
    // A reload that keeps the window's bucket count or lowers it: a flat window's dead
    // buckets (kept until a new bucket needs room) stay dead. One that raises it may
    // revive, in the flat layout, buckets the ring has already reused; one that changes a
    // counter's number of figures reads each layout's entries misaligned: neither is
    // compared (both are a rule's detector changing under its id).
    const reload = fc
      .tuple(specArbitrary, specArbitrary)
      .filter(
        ([a, b]) =>
          a.kind === b.kind &&
          a.p1 === (b.kind === 'c' ? b.p1 : a.p1) &&
          Math.ceil(b.windowMs / b.bucketMs) <= Math.ceil(a.windowMs / a.bucketMs),
      );
    fc.assert(
      fc.property(
        reload,
        fc.array(moveArbitrary, { maxLength: 60 }),
        fc.array(moveArbitrary, { maxLength: 40 }),
        ([oldSpec, newSpec], before, after) => {
          const first = runBoth(oldSpec, before);
          const arena = arenaFor(newSpec);
          const moved = arena.fromFlat(first.arena.toFlat(first.slot));
          goOn(arena, moved, first.flat, newSpec, first.ts, after);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('makes a freed slot anew, empty, and keeps the other slots of its page', () => {
    const spec: WindowSpec = { kind: 's', windowMs: 60_000, bucketMs: 5000, p1: 5, p2: 8, p3: 0 };
    const arena = arenaFor(spec);
    const ts = 1_700_000_000_000;
    // More than a page of slots, each with one id.
    const slots = Array.from({ length: 5000 }, (_, i) => {
      const slot = arena.alloc();
      arena.apply(slot, ts, i * 1000);
      return slot;
    });
    arena.free(slots[10]!);
    const again = arena.alloc();
    expect(again).toBe(slots[10]);
    expect(arena.head(again)).toBe(-1);
    expect(arena.apply(again, ts, 7)).toEqual([0, 1, 0]);
    // A neighbour and a slot on the next page kept theirs: 1000 is close to 1002.
    expect(arena.apply(slots[1]!, ts, 1002)).toEqual([1, 2, 1]);
    expect(arena.apply(slots[4500]!, ts, 4_500_003)).toEqual([1, 2, 1]);
  });

  it('forgets a freed or reset slot’s recent ids held beside the arena', () => {
    const spec: WindowSpec = { kind: 's', windowMs: 60_000, bucketMs: 5000, p1: 5, p2: 32, p3: 0 };
    const arena = arenaFor(spec);
    const ts = 1_700_000_000_000;
    const slot = arena.alloc();
    // 20 ids far apart: more than a slot holds itself.
    for (let i = 0; i < 20; i += 1) arena.apply(slot, ts, i * 1000);
    expect(arena.toFlat(slot)[3]).toHaveLength(20);
    expect(arena.apply(slot, ts, 19_003)).toEqual([1, 21, 1]);
    arena.free(slot);
    const again = arena.alloc();
    expect(again).toBe(slot);
    expect(arena.toFlat(again)[3]).toEqual([]);
    expect(arena.apply(again, ts, 19_004)).toEqual([0, 1, 0]);
    for (let i = 0; i < 20; i += 1) arena.apply(again, ts, i * 1000);
    arena.reset(again);
    expect(arena.peek(again, 1001)).toEqual([0, 0, 0]);
  });

  it('empties the positions the head passes, a whole window of them at once too', () => {
    // The store resets a window that would expire before it applies a step to it; the
    // arena holds by itself all the same, as flat-window.ts does.
    const spec: WindowSpec = { kind: 'c', windowMs: 60_000, bucketMs: 10_000, p1: 1, p2: 0, p3: 0 };
    const arena = arenaFor(spec);
    const flat = newWindow(spec);
    const slot = arena.alloc();
    const ts = 1_700_000_000_000;
    for (const dt of [0, 10_000, 20_000, 70_000, 75_000, 200_000, 260_000, 265_000, 900_000]) {
      expect(arena.apply(slot, ts + dt, [1])).toEqual(applyToWindow(flat, spec, ts + dt, [1]));
    }
  });

  it('keeps distinct windows’ bitmaps in blocks it reuses, a window’s own bits its own', () => {
    const spec: WindowSpec = { kind: 'd', windowMs: 60_000, bucketMs: 5000, p1: 64, p2: 0, p3: 0 };
    const arena = arenaFor(spec);
    const ts = 1_700_000_000_000;
    // More than a page of slots and of bitmaps, each window one bit of its own number.
    const slots = Array.from({ length: 5000 }, (_, i) => {
      const slot = arena.alloc();
      expect(arena.apply(slot, ts, i % 64)).toEqual([1]);
      return slot;
    });
    // A bucket left behind gives its bitmap back; the window's newer bits stay counted.
    const slot = slots[7]!;
    arena.apply(slot, ts + 5000, 8);
    arena.apply(slot, ts + 5000, 7);
    expect(arena.peek(slot, 0)).toEqual([2]);
    expect(arena.apply(slot, ts + 60_000, 9)).toEqual([3]);
    expect(arena.toFlat(slot).slice(0, 3)).toEqual([0, Math.floor((ts + 60_000) / 5000), 2]);
    // Freed, a slot and its bitmaps come back empty; the others keep their bits.
    arena.free(slots[10]!);
    const again = arena.alloc();
    expect(again).toBe(slots[10]);
    expect(arena.head(again)).toBe(-1);
    expect(arena.apply(again, ts, 3)).toEqual([1]);
    expect(arena.apply(slots[11]!, ts, 11)).toEqual([1]);
    expect(arena.apply(slots[4500]!, ts, 4500 % 64)).toEqual([1]);
    expect(arena.apply(slots[4500]!, ts, 1)).toEqual([2]);
    arena.reset(slots[4500]!);
    expect(arena.peek(slots[4500]!, 1)).toEqual(peekWindow(newWindow(spec), spec, 1));
  });
});

describe('a distinct window read by a reloaded rule with more bits', () => {
  it('keeps a bit set past the end of a bucket’s older, smaller bitmap', () => {
    const small: WindowSpec = { kind: 'd', windowMs: 60_000, bucketMs: 5000, p1: 8, p2: 0, p3: 0 };
    const large: WindowSpec = { ...small, p1: 1024 };
    const ts = 1_700_000_000_000;
    const flat = newWindow(small);
    applyToWindow(flat, small, ts, 3, true);
    const arena = arenaFor(large);
    const slot = arena.fromFlat(flat);
    // Bit 500 twice in the same bucket: counted once, in the flat layout (owned bitmaps,
    // as the memory store kept them, and read from Redis) and in the arena alike.
    for (const owned of [true, false]) {
      const window = structuredClone(flat);
      const once = applyToWindow(window, large, ts + 1000, 500, owned);
      expect(applyToWindow(window, large, ts + 1000, 500, owned)).toEqual(once);
    }
    const once = arena.apply(slot, ts + 1000, 500);
    expect(once).toEqual(applyToWindow(structuredClone(flat), large, ts + 1000, 500, true));
    expect(arena.apply(slot, ts + 1000, 500)).toEqual(once);
  });
});
