// An actor's windows, as the memory store (memory-store.ts) keeps them: for each rule
// shape and route, the slot of the window in that shape's arena (window-arena.ts,
// distinct-arena.ts). Plain entries in one array per actor, no object per window or
// rule: a replay keeps some 750,000 windows, and an object for each was one more pointer
// to follow per observation and one more object for every full collection to mark;
// enumeration rules keep a window per id space, some six per identified actor of the
// bench log, whose Maps were the next pointer (issue 16).
import type { WindowArena } from './arena.js';

/** No window. */
const NONE = -1;

/** Windows an actor's list holds; past them, in `more` (a scanner inventing routes). */
export const LISTED_WINDOWS = 32;

/** Numbers per window in the list: shape, route, slot. */
const TRIPLE = 3;

/**
 * The windows of one actor. `windows` holds up to LISTED_WINDOWS of them, three entries
 * each: the number of the rule's shape in the store, the route ('' for a rule that does
 * not split by route) and the window's slot in that shape's arena, in no particular
 * order. A step finds its window by scanning them: a handful of numbers and strings in
 * one array, where routes are one copy each (normalize/route-texts.ts). The windows past
 * the list are in `more`, by shape, then route: an actor with hundreds of routes must
 * not make every step scan them all.
 */
export interface ActorWindows {
  readonly windows: (string | number)[];
  more?: (Map<string, number> | undefined)[];
}

/** What the layout needs of the store's shapes: each one's arena, by its number. */
export type ArenasByShape = readonly { readonly arena: WindowArena }[];

/** The window's slot in the shape's arena, or -1. */
export function slotOf(actor: ActorWindows, shape: number, route: string): number {
  const { windows } = actor;
  for (let at = 0; at < windows.length; at += TRIPLE) {
    if (windows[at] === shape && windows[at + 1] === route) return windows[at + 2] as number;
  }
  return actor.more?.[shape]?.get(route) ?? NONE;
}

/** Only for a shape and route that have no window yet. */
export function addWindow(actor: ActorWindows, shape: number, route: string, slot: number): void {
  const { windows } = actor;
  if (windows.length < LISTED_WINDOWS * TRIPLE) {
    windows.push(shape, route, slot);
    return;
  }
  const more = (actor.more ??= []);
  (more[shape] ??= new Map()).set(route, slot);
}

/** The window of that shape and route back to its arena (it moved to another shape's). */
export function removeWindow(
  actor: ActorWindows,
  shape: number,
  route: string,
  arena: WindowArena,
): void {
  const { windows } = actor;
  for (let at = 0; at < windows.length; at += TRIPLE) {
    if (windows[at] !== shape || windows[at + 1] !== route) continue;
    arena.free(windows[at + 2] as number);
    unlist(windows, at);
    return;
  }
  const more = actor.more?.[shape];
  const slot = more?.get(route);
  if (slot === undefined) return;
  arena.free(slot);
  more!.delete(route);
  if (more!.size === 0) actor.more![shape] = undefined;
}

/**
 * Drops the windows whose last bucket has left them by event time `now`, their slots
 * back to their arenas; returns how many windows the actor keeps.
 */
export function dropExpired(actor: ActorWindows, arenas: ArenasByShape, now: number): number {
  const { windows } = actor;
  // From the end: a window dropped takes the list's last, already looked at.
  for (let at = windows.length - TRIPLE; at >= 0; at -= TRIPLE) {
    const { arena } = arenas[windows[at] as number]!;
    const slot = windows[at + 2] as number;
    if (!expired(arena, slot, now)) continue;
    arena.free(slot);
    unlist(windows, at);
  }
  let kept = windows.length / TRIPLE;
  const { more } = actor;
  if (!more) return kept;
  for (let shape = 0; shape < more.length; shape += 1) {
    const routes = more[shape];
    if (!routes) continue;
    const { arena } = arenas[shape]!;
    for (const [route, slot] of routes) {
      if (!expired(arena, slot, now)) continue;
      arena.free(slot);
      routes.delete(route);
    }
    if (routes.size === 0) more[shape] = undefined;
    kept += routes.size;
  }
  if (!more.some((routes) => routes !== undefined)) actor.more = undefined;
  return kept;
}

/** Every window's slot back to its arena, and the actor left with none (evicted or lifted). */
export function freeAll(actor: ActorWindows, arenas: ArenasByShape): void {
  for (const [shape, slot] of eachWindow(actor)) arenas[shape]!.arena.free(slot);
  actor.windows.length = 0;
  actor.more = undefined;
}

/** The actor's live windows, of every shape and route. */
export function windowCount(actor: ActorWindows): number {
  let count = actor.windows.length / TRIPLE;
  for (const routes of actor.more ?? []) count += routes?.size ?? 0;
  return count;
}

/** Every live window as [shape number, slot]. */
export function* eachWindow(actor: ActorWindows): Generator<[number, number]> {
  const { windows } = actor;
  for (let at = 0; at < windows.length; at += TRIPLE)
    yield [windows[at] as number, windows[at + 2] as number];
  const { more } = actor;
  for (let shape = 0; more && shape < more.length; shape += 1)
    for (const slot of more[shape]?.values() ?? []) yield [shape, slot];
}

/** The list's window at `at` taken out: the last window takes its place. */
function unlist(windows: (string | number)[], at: number): void {
  const last = windows.length - TRIPLE;
  if (at !== last) {
    windows[at] = windows[last]!;
    windows[at + 1] = windows[last + 1]!;
    windows[at + 2] = windows[last + 2]!;
  }
  windows.length = last;
}

/**
 * Whether no bucket of the window is live at event time `now`: its newest bucket's end,
 * plus the window, is past. (A function, not a closure per call: a sweep asks it of
 * every window, and the closures were 4 % of what a replay allocated.)
 */
function expired(arena: WindowArena, slot: number, now: number): boolean {
  const { bucketMs, windowMs } = arena.spec;
  return (arena.head(slot) + 1) * bucketMs + windowMs <= now;
}
