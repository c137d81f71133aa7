// From a rule that fired to a lockout command: the claim (is the actor locked out
// already? which offence is this?) is the store's; the command is built here.
import type { Verdict } from '../detect/detector.js';
import type { CompiledRule } from '../rules/compile.js';
import type { ClaimResult, LockoutClaim, WindowKey } from '../window/store.js';
import { lockoutId, type LockoutCommand } from './lockout.js';

/** A rule fired for an actor on one event. */
export interface Finding {
  readonly rule: CompiledRule;
  readonly key: WindowKey;
  readonly eventTs: number;
  readonly verdict: Verdict;
}

export function claimFor(finding: Finding): LockoutClaim {
  const { action } = finding.rule.rule;
  return {
    rule: finding.key.rule,
    scope: finding.key.scope,
    subject: finding.key.subject,
    ts: finding.eventTs,
    ttlMs: action.ttl,
    ...(action.escalation && {
      escalation: {
        factor: action.escalation.factor,
        maxTtlMs: action.escalation.maxTtl,
        forgetAfterMs: action.escalation.forgetAfter,
      },
    }),
  };
}

/**
 * The command for a granted claim. `issuedAtMs` is the wall clock when live; replay
 * passes the event time, so a replay's output is the same every time it runs.
 */
export function lockoutCommand(
  finding: Finding,
  claim: ClaimResult,
  issuedAtMs: number,
): LockoutCommand {
  const { rule } = finding.rule;
  const evidence =
    claim.offence > 1
      ? { ...finding.verdict.figures, offence: claim.offence }
      : finding.verdict.figures;
  return {
    type: 'lockout',
    version: 1,
    id: lockoutId({ ...finding.key, eventTime: finding.eventTs, offence: claim.offence }),
    scope: finding.key.scope,
    subject: finding.key.subject,
    rule: rule.id,
    severity: rule.action.severity,
    mode: rule.mode,
    reason: finding.verdict.reason,
    evidence,
    eventTime: new Date(finding.eventTs).toISOString(),
    issuedAt: new Date(issuedAtMs).toISOString(),
    expiresAt: new Date(issuedAtMs + claim.ttlMs).toISOString(),
    ttlSeconds: Math.max(1, Math.round(claim.ttlMs / 1000)),
  };
}
