// PendingLockout → Finding → LockoutCommand: a granted (or recovered) lockout told in
// the rule's words, from the reading the store kept with it, then as contract 2.
import { lockoutCommand } from '../decide/command.js';
import type { Finding } from '../decide/finding.js';
import type { LockoutCommand } from '../decide/lockout.js';
import type { CompiledRule } from '../rules/compile.js';
import type { Scope } from '../vocabulary/scope.js';
import type { PendingLockout } from '../window/store.js';
import { verdictOf } from './detection.js';

/** In order; a lockout recovered for a rule that a reload has since removed is dropped. */
export function findingsOf(
  lockouts: readonly PendingLockout[],
  rules: readonly CompiledRule[],
): Finding[] {
  const findings: Finding[] = [];
  for (const lockout of lockouts) {
    const rule = rules.find((r) => r.rule.id === lockout.key.rule);
    // A route's window never claims (NEVER_FIRES): no lockout names a route.
    const { scope } = lockout.key;
    if (rule && scope !== 'route') findings.push(findingOf(rule, lockout, scope));
  }
  return findings;
}

function findingOf(rule: CompiledRule, lockout: PendingLockout, scope: Scope): Finding {
  const { key } = lockout;
  const verdict = verdictOf(rule, lockout.reading, key);
  const { reason } = verdict;
  // Why this scope: a detector that chose it itself (a sweep's participant) says so.
  const figures = {
    ...verdict.figures,
    scopeReason: verdict.figures.scopeReason ?? scopeReasonOf(rule, scope),
  };
  return {
    rule: key.rule,
    severity: rule.rule.action.severity,
    mode: rule.rule.mode,
    scope,
    subject: key.subject,
    eventTs: lockout.eventTs,
    offence: lockout.offence,
    ttlMs: lockout.ttlMs,
    figures,
    reason,
  };
}

/**
 * Why the lockout names this scope, in the evidence: a gateway operator asking "why
 * this address and not the session?" (or the reverse) reads it here.
 */
export function scopeReasonOf(rule: CompiledRule, scope: Scope): string {
  switch (scope) {
    case 'ip':
      return rule.rule.addressTraffic === 'anonymous'
        ? "the address's own requests, with no session or user: the address is the actor"
        : 'every request from the address (the rule counts all its traffic)';
    case 'session':
      return "the session's own requests: the session is locked, not the address others may share";
    case 'user':
      return "the user's requests over every address and session";
  }
}

/** `issuedAt` gives the publication time of a command whose event came at `eventTs`. */
export function commandsOf(
  findings: readonly Finding[],
  issuedAt: (eventTs: number) => number,
): LockoutCommand[] {
  return findings.map((finding) => lockoutCommand(finding, issuedAt(finding.eventTs)));
}
