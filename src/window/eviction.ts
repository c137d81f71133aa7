// Eviction for the in-memory store: above its cap on live windows, the actors seen
// least recently (by event time) lose their state. Recency, not arrival or size,
// decides, because that is hard to abuse: an attacker who floods fresh addresses to
// push a scanner's windows out creates actors that go quiet at once, while the
// scanner, busy by definition, stays among the most recently seen. Among actors last
// seen at the same instant (logs with second precision), the one with fewer
// observations goes first, so a scanner is not evicted for sharing a second with the
// flood.
import { getHeapStatistics } from 'node:v8';

/** What eviction needs of an actor; the store keeps the rest (its windows: `WindowsOf`). */
export interface EvictableActor {
  /** Granted lockouts not yet published: such an actor is kept. */
  readonly pending?: ReadonlyMap<string, unknown> | undefined;
  /** Newest event time observed. */
  lastSeen: number;
  /** Observations applied: the tie-break among actors last seen at the same instant. */
  seen: number;
}

export interface EvictionCounts {
  actors: number;
  windows: number;
}

/**
 * The default cap on live windows in replay: 4 KiB of V8's heap limit per window
 * (about 1,060,000 under Node's default 4 GB limit; it follows --max-old-space-size).
 * Measured on a flood of fresh actors (bench/flood-log.ts, shipped rules, ~23 windows an
 * actor), before the arenas: peak RSS 1.13 GB at 200,000 windows, 1.52 GB at 400,000,
 * 2.46 GB with 1.15 million: ~2 KB a window, so the cap kept the heap about half full.
 * Since, windows are slots outside the heap (counter and sequence 112–272 B,
 * window-arena.ts; distinct 120 B and a bitmap of 8–512 B per live bucket,
 * distinct-arena.ts), and the bulk thread's heap grows less between full collections:
 * 347 MB, 384 MB and 506 MB (issue 16). The cap is kept as it was: it errs further on
 * the safe side, and actors are still on the heap it follows (the windows' slots are
 * not, so the cap bounds them, not the heap limit). A lower cap would evict on ordinary
 * logs (200,000 evicted 185,705 actors of the 1,000,000-line bench log,
 * 50 minutes of a mid-size site), and an evicted slow scanner's windows restart.
 */
export const DEFAULT_MAX_WINDOWS = Math.floor(getHeapStatistics().heap_size_limit / 4096);

/** Evict down to this share of the cap, so a pass (sweep, sort) runs once per fifth of it. */
export const EVICT_TO = 0.8;

/** How many live windows an actor has (the store knows its layout). */
export type WindowsOf<A> = (actor: A) => number;

/** What evicting the actor frees; NaN for one that must be kept. */
function freedBy<A extends EvictableActor>(actor: A, windowsOf: WindowsOf<A>): number {
  return actor.pending?.size ? Number.NaN : windowsOf(actor);
}

/**
 * Removes the least recently seen actors until at least `need` windows are freed;
 * adds what it removed to `counts` and returns the windows freed.
 */
export function evictLeastRecentlySeen<A extends EvictableActor>(
  actors: Map<string, Map<string, A>>,
  need: number,
  counts: EvictionCounts,
  windowsOf: WindowsOf<A>,
  /** Told of each actor evicted (the memory store frees its windows' slots). */
  onEvict?: (actor: A) => void,
): number {
  const cutoff = cutoffTime(actors, need, windowsOf);
  const ties: { subjects: Map<string, A>; subject: string; actor: A; windows: number }[] = [];
  const freed: EvictionCounts = { actors: 0, windows: 0 };
  for (const subjects of actors.values()) {
    for (const [subject, actor] of subjects) {
      const windows = freedBy(actor, windowsOf);
      if (Number.isNaN(windows) || actor.lastSeen > cutoff) continue;
      if (actor.lastSeen === cutoff) {
        ties.push({ subjects, subject, actor, windows });
        continue;
      }
      subjects.delete(subject);
      onEvict?.(actor);
      freed.actors += 1;
      freed.windows += windows;
    }
  }
  ties.sort((a, b) => a.actor.seen - b.actor.seen);
  for (const tie of ties) {
    if (freed.windows >= need) break;
    tie.subjects.delete(tie.subject);
    onEvict?.(tie.actor);
    freed.actors += 1;
    freed.windows += tie.windows;
  }
  counts.actors += freed.actors;
  counts.windows += freed.windows;
  return freed.windows;
}

/**
 * The event time up to which actors must go to free `need` windows: the need-th
 * oldest window's actor's last sighting. One typed-array sort of the live windows'
 * times: with the sweep before it, ~1.5 µs per live window (measured at 200,000),
 * paid once per fifth of the cap created.
 */
function cutoffTime<A extends EvictableActor>(
  actors: Map<string, Map<string, A>>,
  need: number,
  windowsOf: WindowsOf<A>,
): number {
  const times: number[] = [];
  for (const subjects of actors.values()) {
    for (const actor of subjects.values()) {
      const windows = freedBy(actor, windowsOf);
      for (let i = 0; i < windows; i += 1) times.push(actor.lastSeen);
    }
  }
  if (times.length === 0) return Number.NEGATIVE_INFINITY;
  const sorted = Float64Array.from(times).sort();
  return sorted[Math.min(need, sorted.length) - 1]!;
}
