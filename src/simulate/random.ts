// A small seeded PRNG for the traffic simulator: the same seed gives the same
// traffic on every machine and every run, so scenario tests and benchmarks are
// repeatable. mulberry32 (Tommy Ettinger's 32-bit generator, public domain): one
// 32-bit state word, fast, and good enough to spread ids and jitter; not for secrets.

/** A uniform float in [0, 1) from a 32-bit state, advanced on every call. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A seed for one named sub-stream (one actor, one user behind a NAT), so adding an
 * actor to a scenario does not change the traffic of the others.
 */
export function deriveSeed(seed: number, label: string | number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  const text = String(label);
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** `ms` varied by up to ± `fraction` of itself, never below 1 ms. */
  jitter(ms: number, fraction: number): number {
    return Math.max(1, Math.round(ms * (1 + fraction * (2 * this.next() - 1))));
  }
}
