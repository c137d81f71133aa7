// The lockout policy: what follows when a rule fires for an actor. A claim is granted
// unless the actor is still locked out by the same rule (suppression: nothing new to
// announce); repeat offenders get longer lockouts (escalation) until their offences
// are forgotten; after an operator's lift, a grace period grants none (liftedState). Both window stores apply it in the same atomic step as the window
// update (the Redis store's commit script, window/scripts/commit/05-claim.lua, does the same in Lua; the
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
  /**
   * False when the actor is still locked out by this rule (nothing new to announce), or
   * within the grace period of an operator's lift (`grace`).
   */
  readonly granted: boolean;
  /** Offences of this actor against this rule, this one included (0 in a grace period). */
  readonly offence: number;
  /** 0 in a grace period: no lockout holds. */
  readonly ttlMs: number;
  /** Event time until which the lockout holds; in a grace period, until which the grace does. */
  readonly lockedUntil: number;
  /** Refused because an operator lifted this actor's lockout and its grace period runs. */
  readonly grace?: true;
}

/** State kept per (rule, scope, subject) for lockouts; event times throughout. */
export interface OffenceState {
  lockedUntil: number;
  offences: number;
  lastOffenceAt: number;
  /** Written by a lift (liftedState): `lockedUntil` is the end of a grace period, not a lockout. */
  grace?: true;
}

/**
 * The state a lift leaves for a rule: no lockout, no offence remembered (a lift mostly
 * undoes a false positive, which must not lengthen the next lockout; an operator who
 * wants a known actor locked longer adds a manual lockout), and until `graceUntil` no
 * claim granted. From `graceUntil` on, a claim is judged as for a first offence.
 */
export function liftedState(graceUntil: number): OffenceState {
  return { lockedUntil: graceUntil, offences: 0, lastOffenceAt: graceUntil, grace: true };
}

/** The refusal of a claim within a grace period ending at `graceUntil`. */
export function graceRefusal(graceUntil: number): ClaimResult {
  return { granted: false, offence: 0, ttlMs: 0, lockedUntil: graceUntil, grace: true };
}

/**
 * Decides a lockout claim at event time `ts` and returns the offence state after it.
 * `everyRule`: the state a lift of every rule of this actor left (liftedState), if any.
 */
export function decideClaim(
  policy: LockoutPolicy,
  ts: number,
  state: OffenceState | undefined,
  everyRule?: OffenceState,
): { result: ClaimResult; state: OffenceState } {
  if (state?.grace && ts < state.lockedUntil)
    return { result: graceRefusal(state.lockedUntil), state };
  if (state && ts < state.lockedUntil) {
    const ttlMs = state.lockedUntil - state.lastOffenceAt;
    return {
      result: { granted: false, offence: state.offences, ttlMs, lockedUntil: state.lockedUntil },
      state,
    };
  }
  // Read only when the claim would be granted: the rule's own state comes first.
  if (everyRule && ts < everyRule.lockedUntil)
    return { result: graceRefusal(everyRule.lockedUntil), state: state ?? everyRule };
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
