import { describe, expect, it } from 'vitest';
import { AllowlistCoverage, newlyCovering } from './allowlist-coverage.js';
import type { SourcedAllowlist } from './load.js';

function allowlist(entries: Partial<SourcedAllowlist>): SourcedAllowlist {
  return { kind: 'allowlist', ips: [], users: [], sessions: [], routes: [], ...entries };
}

const none = new AllowlistCoverage([]);

describe('AllowlistCoverage.covering', () => {
  it('covers an IPv4 address inside a CIDR, naming the network and its file', () => {
    const coverage = new AllowlistCoverage([
      allowlist({ ips: ['198.51.100.0/24'], file: '/etc/eg/partners.yaml' }),
    ]);
    expect(coverage.covering('ip', '198.51.100.23')).toEqual({
      scope: 'ip',
      value: '198.51.100.0/24',
      file: '/etc/eg/partners.yaml',
    });
    expect(coverage.covering('ip', '198.51.101.23')).toBeUndefined();
  });

  it('covers an IPv6 prefix subject only when the CIDR holds the whole prefix', () => {
    const wide = new AllowlistCoverage([allowlist({ ips: ['2001:db8:aa::/48'] })]);
    expect(wide.covering('ip', '2001:db8:aa:7::/64')?.value).toBe('2001:db8:aa::/48');
    expect(wide.covering('ip', '2001:db8:ab:7::/64')).toBeUndefined();
    // A /64 allowlisted does not cover a /48 lockout: most of that /48 stays locked out.
    const narrow = new AllowlistCoverage([allowlist({ ips: ['2001:db8:aa:7::/64'] })]);
    expect(narrow.covering('ip', '2001:db8:aa::/48')).toBeUndefined();
    expect(narrow.covering('ip', '2001:db8:aa:7::/64')?.value).toBe('2001:db8:aa:7::/64');
    expect(narrow.covering('ip', '2001:db8:aa:7::1')?.value).toBe('2001:db8:aa:7::/64');
  });

  it('never mixes families, and covers an IPv4 client written as ::ffff:a.b.c.d', () => {
    const v6 = new AllowlistCoverage([allowlist({ ips: ['::/0'] })]);
    expect(v6.covering('ip', '203.0.113.7')).toBeUndefined();
    const v4 = new AllowlistCoverage([allowlist({ ips: ['203.0.113.0/24'] })]);
    expect(v4.covering('ip', '::ffff:203.0.113.7')?.value).toBe('203.0.113.0/24');
    expect(v4.covering('ip', 'not-an-address')).toBeUndefined();
  });

  it('covers users and sessions by exact name, each in its own scope', () => {
    const coverage = new AllowlistCoverage([
      allowlist({ users: ['svc-backup'], sessions: ['s-42'], file: 'a.yaml' }),
      allowlist({ users: ['svc-backup'], file: 'b.yaml' }),
    ]);
    expect(coverage.covering('user', 'svc-backup')).toEqual({
      scope: 'user',
      value: 'svc-backup',
      file: 'a.yaml',
    });
    expect(coverage.covering('session', 's-42')?.value).toBe('s-42');
    expect(coverage.covering('session', 'svc-backup')).toBeUndefined();
    expect(coverage.covering('user', 's-42')).toBeUndefined();
    expect(coverage.covering('user', 'SVC-BACKUP')).toBeUndefined();
  });
});

describe('newlyCovering: what the new allowlists cover and the old did not', () => {
  it('an added address, user or session is newly covered', () => {
    const after = new AllowlistCoverage([
      allowlist({ ips: ['203.0.113.0/24'], users: ['alice'], sessions: ['s-1'] }),
    ]);
    expect(newlyCovering(none, after, 'ip', '203.0.113.7')?.value).toBe('203.0.113.0/24');
    expect(newlyCovering(none, after, 'user', 'alice')?.value).toBe('alice');
    expect(newlyCovering(none, after, 'session', 's-1')?.value).toBe('s-1');
    expect(newlyCovering(none, after, 'user', 'bob')).toBeUndefined();
  });

  it('a subject the old allowlists covered already is not newly covered', () => {
    const before = new AllowlistCoverage([allowlist({ ips: ['2001:db8::/32'] })]);
    const after = new AllowlistCoverage([
      allowlist({ ips: ['2001:db8::/32', '2001:db8:aa::/48', '198.51.100.0/24'] }),
    ]);
    expect(newlyCovering(before, after, 'ip', '2001:db8:aa:1::/64')).toBeUndefined();
    expect(newlyCovering(before, after, 'ip', '198.51.100.9')?.value).toBe('198.51.100.0/24');
  });

  it('a change that removes entries covers nothing new', () => {
    const before = new AllowlistCoverage([
      allowlist({
        ips: ['203.0.113.0/24', '2001:db8:aa::/48'],
        users: ['alice'],
        sessions: ['s-1'],
      }),
    ]);
    const after = new AllowlistCoverage([allowlist({ ips: ['203.0.113.0/24'] })]);
    for (const [scope, subject] of [
      ['ip', '203.0.113.7'],
      ['ip', '2001:db8:aa:1::/64'],
      ['user', 'alice'],
      ['session', 's-1'],
    ] as const) {
      expect(newlyCovering(before, after, scope, subject)).toBeUndefined();
    }
    expect(newlyCovering(before, none, 'ip', '203.0.113.7')).toBeUndefined();
  });

  it('narrowing a CIDR to a part of it covers nothing new', () => {
    const before = new AllowlistCoverage([allowlist({ ips: ['10.0.0.0/8'] })]);
    const after = new AllowlistCoverage([allowlist({ ips: ['10.1.0.0/16'] })]);
    expect(newlyCovering(before, after, 'ip', '10.1.2.3')).toBeUndefined();
  });
});
