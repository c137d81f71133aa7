// From a granted lockout to the command gateways act on (contract 2).
import { explain } from '../detect/index.js';
import type { CompiledRule } from '../rules/compile.js';
import type { PendingLockout } from '../window/store.js';
import { lockoutId, type LockoutCommand } from './lockout.js';

/**
 * The command for a granted lockout. `issuedAtMs` is the wall clock when live; replay
 * passes the event time, so a replay's output is the same every time it runs. The
 * figures come from the reading the store kept with the lockout, so a lockout
 * recovered after a crash reads exactly as it would have.
 */
export function lockoutCommand(
  rule: CompiledRule,
  lockout: PendingLockout,
  issuedAtMs: number,
): LockoutCommand {
  const verdict = explain(rule.detector, lockout.reading, lockout.key);
  const evidence =
    lockout.offence > 1 ? { ...verdict.figures, offence: lockout.offence } : verdict.figures;
  return {
    type: 'lockout',
    version: 1,
    id: lockoutId({ ...lockout.key, eventTime: lockout.eventTs, offence: lockout.offence }),
    scope: lockout.key.scope,
    subject: lockout.key.subject,
    rule: rule.rule.id,
    severity: rule.rule.action.severity,
    mode: rule.rule.mode,
    reason: verdict.reason,
    evidence,
    eventTime: new Date(lockout.eventTs).toISOString(),
    issuedAt: new Date(issuedAtMs).toISOString(),
    expiresAt: new Date(issuedAtMs + lockout.ttlMs).toISOString(),
    ttlSeconds: Math.max(1, Math.round(lockout.ttlMs / 1000)),
  };
}
