// Lockout records (contract 2) as the detector publishes them, for tests of readers.
import type { LockoutCommand } from '../../src/decide/lockout.js';
import type { Mode, Scope } from '../../src/vocabulary/scope.js';

export interface LockoutOptions {
  readonly rule?: string;
  readonly mode?: Mode;
  readonly scope?: Scope;
  /** Issued at (default: now). */
  readonly nowMs?: number;
}

/** A `lockout` record of `subject` for `ttlSeconds` from `nowMs`. */
export function lockoutCommand(
  subject: string,
  ttlSeconds: number,
  options: LockoutOptions = {},
): LockoutCommand {
  const nowMs = options.nowMs ?? Date.now();
  const rule = options.rule ?? 'sequential-id-scan';
  return {
    type: 'lockout',
    version: 2,
    scope: options.scope ?? 'ip',
    subject,
    rule,
    mode: options.mode ?? 'enforce',
    id: `${rule}-${subject}-${nowMs}`,
    severity: 'high',
    reason: 'test',
    evidence: {},
    eventTime: new Date(nowMs).toISOString(),
    issuedAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + ttlSeconds * 1000).toISOString(),
    ttlSeconds,
  };
}
