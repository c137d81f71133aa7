import { describe, expect, it } from 'vitest';
import type { LockoutCommand } from '../decide/lockout.js';
import { ActiveLockouts } from './active-lockouts.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

function lockout(id: string, rule: string, expiresInMs: number): LockoutCommand {
  return {
    type: 'lockout',
    version: 2,
    id,
    scope: 'ip',
    subject: '192.0.2.1',
    rule,
    severity: 'high',
    mode: 'enforce',
    reason: 'test',
    evidence: {},
    eventTime: new Date(NOW - 1000).toISOString(),
    issuedAt: new Date(NOW).toISOString(),
    expiresAt: new Date(NOW + expiresInMs).toISOString(),
    ttlSeconds: Math.max(1, Math.round(expiresInMs / 1000)),
  };
}

describe('ActiveLockouts', () => {
  it('counts lockouts in force by rule, scope and mode, each id once', () => {
    const active = new ActiveLockouts();
    active.add(lockout('a', 'scan', 60_000));
    active.add(lockout('a', 'scan', 60_000)); // announced again after a crash
    active.add(lockout('b', 'scan', 120_000));
    active.add(lockout('c', 'export', 60_000));
    expect(active.counts(NOW)).toEqual([
      { labels: { rule: 'scan', scope: 'ip', mode: 'enforce' }, count: 2 },
      { labels: { rule: 'export', scope: 'ip', mode: 'enforce' }, count: 1 },
    ]);
  });

  it('forgets lockouts once they expire', () => {
    const active = new ActiveLockouts();
    active.add(lockout('a', 'scan', 60_000));
    active.add(lockout('b', 'scan', 120_000));
    expect(active.counts(NOW + 90_000)).toEqual([
      { labels: { rule: 'scan', scope: 'ip', mode: 'enforce' }, count: 1 },
    ]);
    expect(active.counts(NOW + 120_000)).toEqual([]);
  });

  it('keeps at most its bound, forgetting the oldest first', () => {
    const active = new ActiveLockouts(2);
    active.add(lockout('a', 'old', 60_000));
    active.add(lockout('b', 'new', 60_000));
    active.add(lockout('c', 'new', 60_000));
    expect(active.counts(NOW)).toEqual([
      { labels: { rule: 'new', scope: 'ip', mode: 'enforce' }, count: 2 },
    ]);
  });
});
