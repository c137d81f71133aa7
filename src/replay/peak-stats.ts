// The arithmetic of `rules suggest`, pure: actors' peak figures → their distribution,
// how many actors a threshold would lock, and the suggested threshold.
//
// The margin rule (README "Rules", "Thresholds from your own traffic"):
//   suggested = max(floor, roundUp(p99.9 × margin))
// where p99.9 is taken over the actors that no rule in force locks on the log, margin
// is 1.5 unless asked otherwise, and floor is the shipped value of the field (never
// below it unless asked: `allowLower`, then the smallest value the field takes).
//  - Actors the rules in force lock (any rule: a scanner locked by sequential-id-scan
//    also opens many objects) are, in a log with attacks, the attacks: learning from
//    them would raise the bar to just above the attackers (the same reason the detector
//    keeps no per-route baseline an attacker could teach, detect/volume.ts). The report
//    counts them; if they are honest, the candidate table tells how many a higher
//    threshold would lock.
//  - p99.9, not the maximum: one odd actor should not move a threshold; p99.9 × 1.5
//    leaves the busiest honest actors a third below the threshold, so a busier day
//    stays quiet.

import { formatBytes } from '../vocabulary/units.js';
import type { FigureUnit } from './tuned-figures.js';

/** A figure for people: a count with separators, bytes in KB/MB, a ratio to 3 places. */
export function formatFigure(value: number, unit: FigureUnit): string {
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'ratio') return String(Math.round(value * 1000) / 1000);
  return Math.round(value).toLocaleString('en-US');
}

/** Percentiles are nearest-rank: the smallest value with at least p % of actors at or below it. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  // Less a hair: 99.9 / 100 × 1000 is 999.0000000000001 in floating point.
  const rank = Math.ceil((p * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** How many actors have a peak at or above `threshold` (they would have been locked). */
export function lockedAt(sorted: Float64Array, threshold: number): number {
  // The first index whose value is ≥ threshold (binary search).
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < threshold) low = mid + 1;
    else high = mid;
  }
  return sorted.length - low;
}

export interface Distribution {
  readonly actors: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export function distributionOf(sorted: Float64Array): Distribution {
  return {
    actors: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
  };
}

const KB = 1024;
const MB = 1024 * 1024;

/** The smallest value the field takes in a rule file, per unit. */
export const UNIT_MINIMUM: Readonly<Record<FigureUnit, number>> = {
  count: 2,
  bytes: KB,
  ratio: 0.01,
};

/**
 * Up to a value a rule file writes plainly: a whole count; bytes in whole KB (whole MB
 * from 1 MB: "21MB"); a ratio in hundredths, at most 1.
 */
export function roundUp(value: number, unit: FigureUnit): number {
  switch (unit) {
    case 'count':
      return Math.ceil(value - 1e-9);
    case 'bytes':
      return value >= MB ? Math.ceil(value / MB) * MB : Math.ceil(value / KB) * KB;
    case 'ratio':
      return Math.min(1, Math.ceil(value * 100 - 1e-9) / 100);
  }
}

export interface SuggestionInput {
  /** Every actor's peak figure, ascending. */
  readonly sorted: Float64Array;
  /** The peaks of the actors that no rule in force locks on this log, ascending. */
  readonly learnable: Float64Array;
  readonly unit: FigureUnit;
  readonly inForce: number;
  /** The shipped value of the field (the value in force for a rule that does not ship). */
  readonly shipped: number;
  readonly margin: number;
  readonly allowLower: boolean;
  /** What the peaks are of: "actors", or "routes" for a sweep. */
  readonly whom?: string;
}

export interface Suggestion {
  readonly value: number;
  /** Actors that no rule in force locks: the suggestion is learnt from them. */
  readonly learntFrom: number;
  /** Actors at or above the value in force: the rule's own lockouts on this log. */
  readonly lockedInForce: number;
  /** p99.9 of the actors learnt from. */
  readonly p999: number;
  /** roundUp(p99.9 × margin), before the floor. */
  readonly margined: number;
  readonly floor: number;
  /** Why this value, in one sentence. */
  readonly why: string;
}

export function suggestThreshold(input: SuggestionInput): Suggestion {
  const { sorted, learnable, unit, inForce, shipped, margin, allowLower } = input;
  const whom = input.whom ?? 'actors';
  const lockedInForce = lockedAt(sorted, inForce);
  const learntFrom = learnable.length;
  const floor = allowLower ? UNIT_MINIMUM[unit] : shipped;
  if (learntFrom === 0) {
    return {
      value: inForce,
      learntFrom,
      lockedInForce,
      p999: 0,
      margined: inForce,
      floor,
      why: `none of the ${whom} is left alone by the rules in force to learn from: the value in force kept`,
    };
  }
  const p999 = percentile(learnable, 99.9);
  const margined = Math.max(roundUp(p999 * margin, unit), UNIT_MINIMUM[unit]);
  const value = Math.max(floor, margined);
  const floorName = allowLower ? 'the smallest value' : 'the shipped value';
  const f = (v: number) => formatFigure(v, unit);
  const learnt = `p99.9 of the ${learntFrom.toLocaleString('en-US')} ${whom} no rule in force locks (${f(p999)}) × ${margin}`;
  const why =
    value === margined
      ? learnt
      : `${learnt} is ${f(margined)}, under ${floorName} ${f(floor)}: ${floorName} kept`;
  return { value, learntFrom, lockedInForce, p999, margined, floor, why };
}

/**
 * The thresholds the report counts lockouts at: the ones in force, shipped and
 * suggested, and the value in force halved, doubled and quadrupled.
 */
export function candidateThresholds(
  unit: FigureUnit,
  inForce: number,
  shipped: number,
  suggested: number,
): number[] {
  const around = [0.5, 2, 4].map((k) => Math.max(UNIT_MINIMUM[unit], roundUp(inForce * k, unit)));
  const all = [inForce, shipped, suggested, ...around].filter((v) => unit !== 'ratio' || v <= 1);
  return [...new Set(all)].sort((a, b) => a - b);
}
