// From a finding to the command gateways act on (contract 2).
import type { Finding } from './finding.js';
import { LOCKOUT_CONTRACT_VERSION, lockoutId, type LockoutCommand } from './lockout.js';

/**
 * The command for a finding. `issuedAtMs` is the wall clock when live; replay passes
 * the event time, so a replay's output is the same every time it runs. The finding's
 * figures come from the reading the store kept with the lockout, so a lockout
 * recovered after a crash reads exactly as it would have.
 */
export function lockoutCommand(finding: Finding, issuedAtMs: number): LockoutCommand {
  const { rule, scope, subject, eventTs, offence, ttlMs } = finding;
  const evidence = offence > 1 ? { ...finding.figures, offence } : finding.figures;
  return {
    type: 'lockout',
    version: LOCKOUT_CONTRACT_VERSION,
    id: lockoutId({ rule, scope, subject, eventTime: eventTs, offence }),
    scope,
    subject,
    rule,
    severity: finding.severity,
    mode: finding.mode,
    reason: finding.reason,
    evidence,
    eventTime: new Date(eventTs).toISOString(),
    issuedAt: new Date(issuedAtMs).toISOString(),
    expiresAt: new Date(issuedAtMs + ttlMs).toISOString(),
    ttlSeconds: Math.max(1, Math.round(ttlMs / 1000)),
  };
}
