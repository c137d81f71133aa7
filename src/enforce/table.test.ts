import { describe, expect, it } from 'vitest';
import {
  LOCKOUT_CONTRACT_VERSION,
  type LockoutCommand,
  type LockoutKeyParts,
} from '../decide/lockout.js';
import { LockoutTable } from './table.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function lockout(
  parts: Partial<LockoutKeyParts> & { id?: string; expiresInMs?: number },
): LockoutCommand {
  return {
    type: 'lockout',
    version: LOCKOUT_CONTRACT_VERSION,
    scope: parts.scope ?? 'ip',
    subject: parts.subject ?? '203.0.113.7',
    rule: parts.rule ?? 'sequential-id-scan',
    mode: parts.mode ?? 'enforce',
    id: parts.id ?? 'id-1',
    severity: 'high',
    reason: 'test',
    evidence: {},
    eventTime: new Date(NOW).toISOString(),
    issuedAt: new Date(NOW).toISOString(),
    expiresAt: new Date(NOW + (parts.expiresInMs ?? 60_000)).toISOString(),
    ttlSeconds: 60,
  };
}

const KEY = 'ip:203.0.113.7';
const PARTS: LockoutKeyParts = {
  scope: 'ip',
  subject: '203.0.113.7',
  rule: 'sequential-id-scan',
  mode: 'enforce',
};

describe('LockoutTable', () => {
  it('a later lockout of the same rule and mode replaces the earlier (escalation)', () => {
    const table = new LockoutTable();
    table.applyLockout(lockout({ id: 'first', expiresInMs: 60_000 }), NOW);
    table.applyLockout(lockout({ id: 'second', expiresInMs: 3_600_000 }), NOW);
    expect(table.size).toBe(1);
    expect(table.entriesOf(KEY).map((e) => e.id)).toEqual(['second']);
    expect(table.match([KEY], NOW + 120_000).refusing?.id).toBe('second');
  });

  it('another rule, or the same rule in the other mode, is an entry of its own', () => {
    const table = new LockoutTable();
    table.applyLockout(lockout({ id: 'a' }), NOW);
    table.applyLockout(lockout({ id: 'b', rule: 'slow-id-scan' }), NOW);
    table.applyLockout(lockout({ id: 'c', mode: 'shadow' }), NOW);
    expect(table.size).toBe(3);
    expect(table.entriesOf(KEY).map((e) => e.id)).toEqual(['a', 'b', 'c']);
  });

  it('release and tombstone remove only their key’s entry; an unknown key is ignored', () => {
    const table = new LockoutTable();
    table.applyLockout(lockout({ id: 'a' }), NOW);
    table.applyLockout(lockout({ id: 'b', rule: 'slow-id-scan' }), NOW);
    table.remove({ ...PARTS, rule: 'never-locked' });
    table.remove({ ...PARTS, subject: '192.0.2.1' });
    expect(table.size).toBe(2);
    table.remove(PARTS);
    expect(table.entriesOf(KEY).map((e) => e.id)).toEqual(['b']);
    table.remove({ ...PARTS, rule: 'slow-id-scan' });
    expect(table.size).toBe(0);
    expect([...table.subjectKeys()]).toEqual([]);
  });

  it('a lockout already expired when read ends its key instead of adding', () => {
    const table = new LockoutTable();
    table.applyLockout(lockout({ id: 'a', expiresInMs: 60_000 }), NOW);
    table.applyLockout(lockout({ id: 'b', expiresInMs: -1 }), NOW);
    expect(table.size).toBe(0);
  });

  it('expired entries never refuse, and sweep drops exactly them', () => {
    const table = new LockoutTable();
    table.applyLockout(lockout({ id: 'short', expiresInMs: 1000 }), NOW);
    table.applyLockout(lockout({ id: 'long', rule: 'slow-id-scan', expiresInMs: 5000 }), NOW);
    expect(table.match([KEY], NOW + 999).refusing?.id).toBe('long');
    expect(table.sweep(NOW + 999)).toBe(0);
    // At expiresAt exactly the entry has lapsed.
    expect(table.match([KEY], NOW + 5000).refusing).toBeUndefined();
    expect(table.sweep(NOW + 1000)).toBe(1);
    expect(table.entriesOf(KEY).map((e) => e.id)).toEqual(['long']);
    expect(table.sweep(NOW + 5000)).toBe(1);
    expect(table.size).toBe(0);
    expect(table.sweep(NOW + 10_000)).toBe(0);
  });

  it('tells listeners which subject changed', () => {
    const table = new LockoutTable();
    const changed: string[] = [];
    table.onChange((key) => changed.push(key));
    table.applyLockout(lockout({ expiresInMs: 1000 }), NOW);
    table.remove({ ...PARTS, rule: 'never-locked' });
    table.sweep(NOW + 1000);
    expect(changed).toEqual([KEY, KEY]);
  });

  it('keeps the IPv6 prefix lengths in use, longest first, until the last subject of a length goes', () => {
    const table = new LockoutTable();
    const v6 = (subject: string, rule = 'sequential-id-scan') =>
      lockout({ subject, rule, expiresInMs: 60_000 });
    table.applyLockout(v6('2001:db8:1:2::/64'), NOW);
    table.applyLockout(v6('2001:db8:1:3::/64'), NOW);
    table.applyLockout(v6('2001:db8:1:2::/64', 'slow-id-scan'), NOW);
    table.applyLockout(v6('2001:db8::/48'), NOW);
    table.applyLockout(lockout({ subject: '203.0.113.9' }), NOW);
    expect(table.ipv6PrefixLengths).toEqual([64, 48]);
    const v6Parts = (subject: string, rule = 'sequential-id-scan') => ({ ...PARTS, subject, rule });
    table.remove(v6Parts('2001:db8:1:2::/64'));
    table.remove(v6Parts('2001:db8:1:3::/64'));
    // One /64 subject is left (its other rule).
    expect(table.ipv6PrefixLengths).toEqual([64, 48]);
    table.remove(v6Parts('2001:db8:1:2::/64', 'slow-id-scan'));
    expect(table.ipv6PrefixLengths).toEqual([48]);
    table.sweep(NOW + 60_000);
    expect(table.ipv6PrefixLengths).toEqual([]);
  });

  it('match picks the enforce entry that ends last, across all the identities', () => {
    const table = new LockoutTable();
    table.applyLockout(lockout({ id: 'ip-1h', expiresInMs: 3_600_000 }), NOW);
    table.applyLockout(
      lockout({ id: 'session-6h', scope: 'session', subject: 's1', expiresInMs: 21_600_000 }),
      NOW,
    );
    table.applyLockout(
      lockout({ id: 'user-2h', scope: 'user', subject: 'bob', expiresInMs: 7_200_000 }),
      NOW,
    );
    const found = table.match([KEY, 'session:s1', 'user:bob'], NOW);
    expect(found.refusing).toMatchObject({ id: 'session-6h', subjectKey: 'session:s1' });
    expect(table.match([KEY, 'user:bob'], NOW).refusing?.id).toBe('user-2h');
    expect(table.match(['ip:192.0.2.1'], NOW)).toEqual({});
  });

  it('a shadow entry never refuses, even when it ends last; it is reported', () => {
    const table = new LockoutTable();
    table.applyLockout(lockout({ id: 'shadow', mode: 'shadow', expiresInMs: 9_000_000 }), NOW);
    expect(table.match([KEY], NOW)).toEqual({ shadowRule: 'sequential-id-scan' });
    table.applyLockout(lockout({ id: 'enforce', rule: 'slow-id-scan', expiresInMs: 1000 }), NOW);
    const both = table.match([KEY], NOW);
    expect(both.refusing?.id).toBe('enforce');
    expect(both.shadowRule).toBe('sequential-id-scan');
  });

  it('counts entries by scope and mode', () => {
    const table = new LockoutTable();
    table.applyLockout(lockout({}), NOW);
    table.applyLockout(lockout({ mode: 'shadow' }), NOW);
    table.applyLockout(lockout({ scope: 'user', subject: 'bob' }), NOW);
    expect(Object.fromEntries(table.countByScopeAndMode())).toEqual({
      'ip/enforce': 1,
      'ip/shadow': 1,
      'user/enforce': 1,
    });
  });
});
