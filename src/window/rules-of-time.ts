// The arithmetic both stores share: buckets, escalation and distinct estimates.
// The Redis scripts do the same sums in Lua; keep the two in step (the differential
// test feeds both the same random streams).
import type { ClaimResult, LockoutClaim } from './store.js';

export function bucketIndex(ts: number, bucketMs: number): number {
  return Math.floor(ts / bucketMs);
}

export function bucketsPerWindow(windowMs: number, bucketMs: number): number {
  return Math.ceil(windowMs / bucketMs);
}

/** Oldest bucket index still inside the window whose newest bucket is `head`. */
export function oldestLiveBucket(head: number, windowMs: number, bucketMs: number): number {
  return head - bucketsPerWindow(windowMs, bucketMs) + 1;
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

/** State kept per (rule, scope, subject) for lockouts; event times throughout. */
export interface OffenceState {
  lockedUntil: number;
  offences: number;
  lastOffenceAt: number;
}

/** Decides a claim against the actor's offence state and returns the state after it. */
export function decideClaim(
  claim: LockoutClaim,
  state: OffenceState | undefined,
): { result: ClaimResult; state: OffenceState } {
  if (state && claim.ts < state.lockedUntil) {
    const ttlMs = state.lockedUntil - state.lastOffenceAt;
    return {
      result: { granted: false, offence: state.offences, ttlMs, lockedUntil: state.lockedUntil },
      state,
    };
  }
  const forgetAfter = claim.escalation?.forgetAfterMs ?? 0;
  const remembered = state && claim.ts - state.lastOffenceAt <= forgetAfter ? state.offences : 0;
  const offence = remembered + 1;
  const ttlMs = escalatedTtl(claim, offence);
  const next = { lockedUntil: claim.ts + ttlMs, offences: offence, lastOffenceAt: claim.ts };
  return { result: { granted: true, offence, ttlMs, lockedUntil: next.lockedUntil }, state: next };
}

export function escalatedTtl(claim: LockoutClaim, offence: number): number {
  if (!claim.escalation) return claim.ttlMs;
  const { factor, maxTtlMs } = claim.escalation;
  return Math.min(maxTtlMs, Math.round(claim.ttlMs * factor ** (offence - 1)));
}

/** How long offence state must be kept (in event time) after a claim. */
export function offenceRetentionMs(claim: LockoutClaim, ttlMs: number): number {
  return Math.max(ttlMs, claim.escalation?.forgetAfterMs ?? 0);
}
