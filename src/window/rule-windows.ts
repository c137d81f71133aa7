// One rule's windows of one actor, as the memory store (memory-store.ts) keeps them: a
// slot of the rule's arena per route (window-arena.ts).
import type { WindowArena } from './arena.js';

/**
 * One rule's windows of one shape of one actor, by route ('' for a rule that does not
 * split by route): slots of the shape's arena (one arena per rule and shape, shared by
 * every actor; a rule reloaded with another shape has its window moved to the new
 * shape's arena when it is next used, memory-store.ts). No Map for the first route: most
 * actors use one route of a rule.
 */
export class RuleWindows {
  /** The first route's window, while it lives (-1: none). */
  private route = '';
  private slot = -1;
  /** The other routes' windows (a rule split by route), made for the second route. */
  private more: Map<string, number> | undefined;

  constructor(readonly arena: WindowArena) {}

  get size(): number {
    return (this.slot < 0 ? 0 : 1) + (this.more?.size ?? 0);
  }

  /** The route's slot, or -1. */
  get(route: string): number {
    return route === this.route && this.slot >= 0 ? this.slot : (this.more?.get(route) ?? -1);
  }

  /** Only for a route that has no window yet. */
  add(route: string, slot: number): void {
    if (this.slot < 0) {
      this.route = route;
      this.slot = slot;
    } else {
      (this.more ??= new Map()).set(route, slot);
    }
  }

  /** Every window's slot back to the arena (the actor is dropped, evicted or lifted). */
  freeAll(): void {
    if (this.slot >= 0) this.arena.free(this.slot);
    if (this.more) for (const slot of this.more.values()) this.arena.free(slot);
    this.slot = -1;
    this.more = undefined;
  }

  /** The route's window back to the arena (it moved to another shape's). */
  remove(route: string): void {
    if (route === this.route && this.slot >= 0) {
      this.arena.free(this.slot);
      this.slot = -1;
      this.promoteNext();
    } else if (this.more?.has(route)) {
      this.arena.free(this.more.get(route)!);
      this.more.delete(route);
    }
    if (this.more?.size === 0) this.more = undefined;
  }

  /** Drops the windows whose last bucket has left them by event time `now`. */
  dropExpired(now: number): void {
    const { arena } = this;
    if (this.more) {
      for (const [route, slot] of this.more) {
        if (expired(arena, slot, now)) {
          arena.free(slot);
          this.more.delete(route);
        }
      }
    }
    if (this.slot >= 0 && expired(arena, this.slot, now)) {
      arena.free(this.slot);
      this.slot = -1;
      this.promoteNext();
    }
    if (this.more?.size === 0) this.more = undefined;
  }

  /** The first place is empty: another route, if any, takes it (so `get` finds it there). */
  private promoteNext(): void {
    const next = this.more?.entries().next();
    if (next && !next.done) {
      [this.route, this.slot] = next.value;
      this.more!.delete(this.route);
    }
  }
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
