// An actor's windows, as the memory store (memory-store.ts) keeps them: for each rule
// shape, the slot of each route's window in that shape's arena (window-arena.ts,
// distinct-arena.ts). Plain entries in one array per actor, no object per rule: a replay
// keeps some 750,000 windows, and an object for each was one more pointer to follow per
// observation and one more object for every full collection to mark (issue 16).
import type { WindowArena } from './arena.js';

/** No window: the slot entry of a shape the actor has none of. */
const NONE = -1;

/**
 * The windows of one actor. `windows` holds two entries per rule shape, at twice the
 * shape's number in the store: the route of its first window ('' for a rule that does
 * not split by route) and that window's slot, NONE when there is none. A rule split by
 * route (enumeration: one window per id space) keeps its second route and more in
 * `moreRoutes`: most actors use one route of a rule.
 */
export interface ActorWindows {
  readonly windows: (string | number)[];
  /** By shape number: the windows of routes past the first, made for the second route. */
  moreRoutes?: (Map<string, number> | undefined)[];
}

/** What the layout needs of the store's shapes: each one's arena, by its number. */
export type ArenasByShape = readonly { readonly arena: WindowArena }[];

/** The route's slot in the shape's arena, or -1. */
export function slotOf(actor: ActorWindows, shape: number, route: string): number {
  const { windows } = actor;
  const at = 2 * shape;
  if (at < windows.length) {
    const slot = windows[at + 1] as number;
    if (slot !== NONE && windows[at] === route) return slot;
  }
  return actor.moreRoutes?.[shape]?.get(route) ?? NONE;
}

/** Only for a route that has no window of that shape yet. */
export function addWindow(actor: ActorWindows, shape: number, route: string, slot: number): void {
  const { windows } = actor;
  const at = 2 * shape;
  while (windows.length <= at) windows.push('', NONE);
  if (windows[at + 1] === NONE) {
    windows[at] = route;
    windows[at + 1] = slot;
    return;
  }
  const more = (actor.moreRoutes ??= []);
  (more[shape] ??= new Map()).set(route, slot);
}

/** The route's window of that shape back to its arena (it moved to another shape's). */
export function removeWindow(
  actor: ActorWindows,
  shape: number,
  route: string,
  arena: WindowArena,
): void {
  const { windows } = actor;
  const at = 2 * shape;
  const first = windows[at + 1] as number | undefined;
  if (first !== undefined && first !== NONE && windows[at] === route) {
    arena.free(first);
    promoteNext(actor, shape);
    return;
  }
  const more = actor.moreRoutes?.[shape];
  const slot = more?.get(route);
  if (slot === undefined) return;
  arena.free(slot);
  more!.delete(route);
  if (more!.size === 0) actor.moreRoutes![shape] = undefined;
}

/**
 * Drops the windows whose last bucket has left them by event time `now`, their slots
 * back to their arenas; returns how many windows the actor keeps.
 */
export function dropExpired(actor: ActorWindows, arenas: ArenasByShape, now: number): number {
  const { windows } = actor;
  let kept = 0;
  for (let shape = 0; 2 * shape < windows.length; shape += 1) {
    const { arena } = arenas[shape]!;
    const more = actor.moreRoutes?.[shape];
    if (more) {
      for (const [route, slot] of more) {
        if (!expired(arena, slot, now)) continue;
        arena.free(slot);
        more.delete(route);
      }
      if (more.size === 0) actor.moreRoutes![shape] = undefined;
    }
    const first = windows[2 * shape + 1] as number;
    if (first !== NONE && expired(arena, first, now)) {
      arena.free(first);
      promoteNext(actor, shape);
    }
    kept += windowsOfShape(actor, shape);
  }
  return kept;
}

/** Every window's slot back to its arena, and the actor left with none (evicted or lifted). */
export function freeAll(actor: ActorWindows, arenas: ArenasByShape): void {
  const { windows } = actor;
  for (let shape = 0; 2 * shape < windows.length; shape += 1) {
    const { arena } = arenas[shape]!;
    const first = windows[2 * shape + 1] as number;
    if (first !== NONE) arena.free(first);
    for (const slot of actor.moreRoutes?.[shape]?.values() ?? []) arena.free(slot);
  }
  windows.length = 0;
  actor.moreRoutes = undefined;
}

/** The actor's live windows, of every shape and route. */
export function windowCount(actor: ActorWindows): number {
  let count = 0;
  for (let shape = 0; 2 * shape < actor.windows.length; shape += 1)
    count += windowsOfShape(actor, shape);
  return count;
}

/** Every live window as [shape number, slot] (for memory figures). */
export function* eachWindow(actor: ActorWindows): Generator<[number, number]> {
  const { windows } = actor;
  for (let shape = 0; 2 * shape < windows.length; shape += 1) {
    const first = windows[2 * shape + 1] as number;
    if (first !== NONE) yield [shape, first];
    for (const slot of actor.moreRoutes?.[shape]?.values() ?? []) yield [shape, slot];
  }
}

function windowsOfShape(actor: ActorWindows, shape: number): number {
  const first = actor.windows[2 * shape + 1] === NONE ? 0 : 1;
  return first + (actor.moreRoutes?.[shape]?.size ?? 0);
}

/**
 * The shape's first place is empty: another route's window, if any, takes it (so
 * `slotOf` finds it there), else the place is cleared, its route string let go.
 */
function promoteNext(actor: ActorWindows, shape: number): void {
  const { windows } = actor;
  const at = 2 * shape;
  const more = actor.moreRoutes?.[shape];
  const next = more?.entries().next();
  if (!next || next.done) {
    windows[at] = '';
    windows[at + 1] = NONE;
    return;
  }
  const [route, slot] = next.value;
  windows[at] = route;
  windows[at + 1] = slot;
  more!.delete(route);
  if (more!.size === 0) actor.moreRoutes![shape] = undefined;
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
