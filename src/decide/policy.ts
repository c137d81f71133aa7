// The lockout policy: what follows when a rule fires for an actor. A claim is granted
// unless the actor is still locked out by the same rule (suppression: nothing new to
// announce); repeat offenders get longer lockouts (escalation) until their offences
// are forgotten. Both window stores apply it in the same atomic step as the window
// update (the Redis script, window/scripts/apply/07-claim.lua, does the same in Lua; the
// differential test feeds both stores the same random streams), so a crash cannot
// split a reading from its claim. Pure: event times in, state out.

export interface EscalationPolicy {
  readonly factor: number;
  readonly maxTtlMs: number;
  readonly forgetAfterMs: number;
}

/** What follows when a rule fires for an actor: a lockout, longer for repeat offenders. */
export interface LockoutPolicy {
  readonly ttlMs: number;
  readonly escalation?: EscalationPolicy;
}

export interface ClaimResult {
  /** False when the actor is still locked out by this rule: nothing new to announce. */
  readonly granted: boolean;
  /** Offences of this actor against this rule, this one included. */
  readonly offence: number;
  readonly ttlMs: number;
  /** Event time until which the lockout holds. */
  readonly lockedUntil: number;
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
