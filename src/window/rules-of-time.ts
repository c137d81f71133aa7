// The arithmetic both stores share: buckets, fire conditions, escalation and distinct
// estimates. The Redis script (scripts/apply.lua) does the same sums in Lua; keep the
// two in step (the differential test feeds both the same random streams).
import type { ClaimResult, FireCondition, LockoutPolicy, Reading } from './store.js';

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

/** State kept per (rule, scope, subject) for lockouts; event times throughout. */
export interface OffenceState {
  lockedUntil: number;
  offences: number;
  lastOffenceAt: number;
}

/** Decides a lockout claim at event time `ts` and returns the offence state after it. */
export function decideClaim(
  policy: LockoutPolicy,
  ts: number,
  state: OffenceState | undefined,
): { result: ClaimResult; state: OffenceState } {
  if (state && ts < state.lockedUntil) {
    const ttlMs = state.lockedUntil - state.lastOffenceAt;
    return {
      result: { granted: false, offence: state.offences, ttlMs, lockedUntil: state.lockedUntil },
      state,
    };
  }
  const forgetAfter = policy.escalation?.forgetAfterMs ?? 0;
  const remembered = state && ts - state.lastOffenceAt <= forgetAfter ? state.offences : 0;
  const offence = remembered + 1;
  const ttlMs = escalatedTtl(policy, offence);
  const next = { lockedUntil: ts + ttlMs, offences: offence, lastOffenceAt: ts };
  return { result: { granted: true, offence, ttlMs, lockedUntil: next.lockedUntil }, state: next };
}

export function escalatedTtl(policy: LockoutPolicy, offence: number): number {
  if (!policy.escalation) return policy.ttlMs;
  const { factor, maxTtlMs } = policy.escalation;
  return Math.min(maxTtlMs, Math.round(policy.ttlMs * factor ** (offence - 1)));
}

/** How long offence state must be kept (in event time) after a granted claim. */
export function offenceRetentionMs(policy: LockoutPolicy, ttlMs: number): number {
  return Math.max(ttlMs, policy.escalation?.forgetAfterMs ?? 0);
}
