// The actor's window layout (actor-windows.ts): slots found by shape and route, the
// first route's place taken by the next when it goes, and every slot given back to its
// arena once, whether a window moves, expires or the actor goes.
import { describe, expect, it } from 'vitest';
import {
  addWindow,
  dropExpired,
  eachWindow,
  freeAll,
  LISTED_WINDOWS,
  removeWindow,
  slotOf,
  windowCount,
  type ActorWindows,
} from './actor-windows.js';
import { arenaFor } from './window-arena.js';

const T0 = 1_700_000_000_000;

/** Two shapes: a minute's counter in 6 s buckets, and an hour's in 6 min buckets. */
function setUp() {
  const shapes = [
    { arena: arenaFor({ kind: 'c', windowMs: 60_000, bucketMs: 6_000, p1: 1, p2: 0, p3: 0 }) },
    {
      arena: arenaFor({ kind: 'c', windowMs: 3_600_000, bucketMs: 360_000, p1: 1, p2: 0, p3: 0 }),
    },
  ];
  const actor: ActorWindows = { windows: [] };
  /** A window of the shape and route, counted once at `ts`. */
  const open = (shape: number, route: string, ts: number): number => {
    const { arena } = shapes[shape]!;
    const slot = arena.alloc();
    arena.apply(slot, ts, [1]);
    addWindow(actor, shape, route, slot);
    return slot;
  };
  return { shapes, actor, open };
}

/** The slots the arena gives next: freed ones come back first. */
function nextSlots(arena: { alloc(): number }, n: number): number[] {
  return Array.from({ length: n }, () => arena.alloc());
}

describe('an actor’s windows', () => {
  it('finds each window by shape and route', () => {
    const { actor, open } = setUp();
    const plain = open(1, '', T0);
    const a = open(0, '/api/users', T0);
    const b = open(0, '/api/orders', T0);
    const c = open(0, '/api/invoices', T0);
    expect(slotOf(actor, 1, '')).toBe(plain);
    expect([
      slotOf(actor, 0, '/api/users'),
      slotOf(actor, 0, '/api/orders'),
      slotOf(actor, 0, '/api/invoices'),
    ]).toEqual([a, b, c]);
    expect(slotOf(actor, 0, '')).toBe(-1);
    expect(slotOf(actor, 1, '/api/users')).toBe(-1);
    expect(slotOf(actor, 5, '')).toBe(-1);
    expect(windowCount(actor)).toBe(4);
    expect([...eachWindow(actor)].sort()).toEqual(
      [
        [0, a],
        [0, b],
        [0, c],
        [1, plain],
      ].sort(),
    );
  });

  it('gives a removed window’s slot back, and the next route takes the first place', () => {
    const { shapes, actor, open } = setUp();
    const a = open(0, '/api/users', T0);
    const b = open(0, '/api/orders', T0);
    removeWindow(actor, 0, '/api/users', shapes[0]!.arena);
    expect(slotOf(actor, 0, '/api/users')).toBe(-1);
    expect(slotOf(actor, 0, '/api/orders')).toBe(b);
    expect(windowCount(actor)).toBe(1);
    // A route never seen: nothing freed, nothing changed.
    removeWindow(actor, 0, '/api/none', shapes[0]!.arena);
    expect(windowCount(actor)).toBe(1);
    removeWindow(actor, 0, '/api/orders', shapes[0]!.arena);
    expect(windowCount(actor)).toBe(0);
    expect(nextSlots(shapes[0]!.arena, 2).sort()).toEqual([a, b].sort());
  });

  it('drops what has expired, keeps the rest, and frees each dropped slot once', () => {
    const { shapes, actor, open } = setUp();
    const early = open(0, '/api/users', T0);
    const late = open(0, '/api/orders', T0 + 50_000);
    const earlyToo = open(0, '/api/invoices', T0);
    const hour = open(1, '', T0);
    // 70 s on: the early minute windows have passed, the late one and the hour's live.
    expect(dropExpired(actor, shapes, T0 + 70_000)).toBe(2);
    expect(slotOf(actor, 0, '/api/orders')).toBe(late);
    expect(slotOf(actor, 1, '')).toBe(hour);
    expect(slotOf(actor, 0, '/api/users')).toBe(-1);
    expect(slotOf(actor, 0, '/api/invoices')).toBe(-1);
    expect(nextSlots(shapes[0]!.arena, 3).sort()).toEqual(
      [early, earlyToo, Math.max(early, late, earlyToo) + 1].sort(),
    );
    // Two hours on: nothing is left.
    expect(dropExpired(actor, shapes, T0 + 7_200_000)).toBe(0);
    expect(windowCount(actor)).toBe(0);
  });

  it('keeps windows past its list by shape and route, and finds, drops and frees them', () => {
    const { shapes, actor, open } = setUp();
    const listed = Array.from({ length: LISTED_WINDOWS }, (_, i) => open(0, `/listed/${i}`, T0));
    const past = Array.from({ length: 5 }, (_, i) =>
      open(0, `/past/${i}`, T0 + (i < 2 ? 0 : 50_000)),
    );
    const hourPast = open(1, '/past/hour', T0);
    expect(actor.windows.length).toBe(3 * LISTED_WINDOWS);
    expect(windowCount(actor)).toBe(LISTED_WINDOWS + 6);
    expect(past.map((_, i) => slotOf(actor, 0, `/past/${i}`))).toEqual(past);
    expect(slotOf(actor, 1, '/past/hour')).toBe(hourPast);
    expect(slotOf(actor, 1, '/past/0')).toBe(-1);
    expect(listed.map((_, i) => slotOf(actor, 0, `/listed/${i}`))).toEqual(listed);
    removeWindow(actor, 0, '/past/4', shapes[0]!.arena);
    expect(slotOf(actor, 0, '/past/4')).toBe(-1);
    expect(windowCount(actor)).toBe(LISTED_WINDOWS + 5);
    // 70 s on: the minute windows opened at T0 have passed, listed or not.
    expect(dropExpired(actor, shapes, T0 + 70_000)).toBe(3);
    expect([slotOf(actor, 0, '/past/2'), slotOf(actor, 0, '/past/3')]).toEqual([past[2], past[3]]);
    expect(slotOf(actor, 1, '/past/hour')).toBe(hourPast);
    expect(slotOf(actor, 0, '/listed/0')).toBe(-1);
    freeAll(actor, shapes);
    expect(windowCount(actor)).toBe(0);
    expect(actor.more).toBeUndefined();
    // Every slot came back: the arena hands out no new one before reusing them.
    const all = [...listed, ...past];
    expect(nextSlots(shapes[0]!.arena, all.length).sort()).toEqual([...all].sort());
  });

  it('frees every window of every shape when the actor goes', () => {
    const { shapes, actor, open } = setUp();
    const slots = [open(0, '/a', T0), open(0, '/b', T0), open(1, '', T0)];
    freeAll(actor, shapes);
    expect(windowCount(actor)).toBe(0);
    expect(slotOf(actor, 0, '/a')).toBe(-1);
    expect(actor.windows).toEqual([]);
    expect([...nextSlots(shapes[0]!.arena, 2), ...nextSlots(shapes[1]!.arena, 1)].sort()).toEqual(
      [...slots].sort(),
    );
    // The actor's windows start again from nothing.
    const again = open(0, '/b', T0 + 1);
    expect(slotOf(actor, 0, '/b')).toBe(again);
    expect(windowCount(actor)).toBe(1);
  });
});
