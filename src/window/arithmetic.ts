// The window arithmetic both stores share: buckets, fire conditions and distinct
// estimates. The Redis store does the same sums on the layout its values keep
// (flat-window.ts); keep the two in step (the differential test feeds both the same
// random streams). The claim that follows a fired reading is decide/policy.ts (in
// Redis: scripts/commit/05-claim.lua).
import type { FireCondition, Reading } from './store.js';

export function bucketIndex(ts: number, bucketMs: number): number {
  return Math.floor(ts / bucketMs);
}

export function bucketsPerWindow(windowMs: number, bucketMs: number): number {
  return Math.ceil(windowMs / bucketMs);
}

/**
 * Linear counting (Whang et al., 1990): n ≈ -m·ln(zeros/m). Standard error about 2 %
 * at n = m/3; a full bitmap reports m·ln(m), the most it can tell.
 */
export function linearCountEstimate(bitsSet: number, bits: number): number {
  const zeros = bits - bitsSet;
  if (zeros <= 0) return Math.round(bits * Math.log(bits));
  return Math.round(-bits * Math.log(zeros / bits));
}

export function firesOn(condition: FireCondition, reading: Reading): boolean {
  for (let i = 0; i < condition.atLeast.length; i += 1) {
    const min = condition.atLeast[i];
    if (min !== null && min !== undefined && (reading[i] ?? 0) >= min) return true;
  }
  const ratio = condition.ratio;
  if (!ratio) return false;
  const den = reading[ratio.den] ?? 0;
  const num = reading[ratio.num] ?? 0;
  return den >= ratio.minDen && num >= (ratio.minNum ?? 0) && num >= ratio.ratio * den;
}
