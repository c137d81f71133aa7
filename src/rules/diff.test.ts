// What a reload changed, said per field and per allowlist file, with allowlisted
// addresses, users and sessions counted, never named.
import { describe, expect, it } from 'vitest';
import { describeRuleChanges } from './diff.js';
import type { SourcedAllowlist } from './load.js';
import { ruleSchema, type Rule } from './schema.js';

function rule(id: string, tuning: Record<string, unknown> = {}): Rule {
  return ruleSchema.parse({
    id,
    description: 'test rule',
    key: 'ip',
    window: '10m',
    detect: { kind: 'enumeration', threshold: 50 },
    action: { ttl: '1h', severity: 'high' },
    ...tuning,
  });
}

function allowlist(file: string, entries: Partial<SourcedAllowlist>): SourcedAllowlist {
  return { kind: 'allowlist', ips: [], users: [], sessions: [], routes: [], file, ...entries };
}

const SCAN = rule('scan');

describe('describeRuleChanges', () => {
  it('says nothing when nothing changed, even if the objects differ', () => {
    const set = { rules: [SCAN], allowlists: [allowlist('a.yaml', { users: ['ann'] })] };
    const same = { rules: [rule('scan')], allowlists: [allowlist('a.yaml', { users: ['ann'] })] };
    expect(describeRuleChanges(set, same)).toEqual([]);
  });

  it('names a threshold, mode and window change with old and new values as written', () => {
    const tuned = rule('scan', {
      mode: 'shadow',
      window: '15m',
      detect: { kind: 'enumeration', threshold: 80 },
    });
    expect(
      describeRuleChanges({ rules: [SCAN], allowlists: [] }, { rules: [tuned], allowlists: [] }),
    ).toEqual([
      'scan: mode enforce → shadow',
      'scan: window 10m → 15m',
      'scan: detect.threshold 50 → 80',
    ]);
  });

  it('names a field set or unset, and a list changed', () => {
    const tuned = rule('scan', {
      match: { methods: ['GET'] },
      action: { ttl: '1h', severity: 'high', escalation: { maxTtl: '7d' } },
    });
    expect(
      describeRuleChanges({ rules: [SCAN], allowlists: [] }, { rules: [tuned], allowlists: [] }),
    ).toEqual([
      'scan: match.methods (unset) → ["GET"]',
      'scan: action.escalation.factor (unset) → 2',
      'scan: action.escalation.maxTtl (unset) → 7d',
      'scan: action.escalation.forgetAfter (unset) → 7d',
    ]);
  });

  it('names rules added and removed', () => {
    const before = { rules: [SCAN, rule('old')], allowlists: [] };
    const after = { rules: [SCAN, rule('new')], allowlists: [] };
    expect(describeRuleChanges(before, after)).toEqual(['removed rule old', 'added rule new']);
  });

  it('counts allowlist entries added and removed per file, never naming an address or user', () => {
    const before = [
      allowlist('office.yaml', { ips: ['10.0.0.0/8'], users: ['ann', 'bob'] }),
      allowlist('probes.yaml', { routes: ['/healthz'] }),
    ];
    const after = [
      allowlist('office.yaml', {
        ips: ['10.0.0.0/8', '192.0.2.0/24', '2001:db8::/32'],
        users: ['ann'],
      }),
      allowlist('probes.yaml', { routes: ['/healthz', '/metrics'] }),
      allowlist('vpn.yaml', { sessions: ['s3cr3t'] }),
    ];
    const lines = describeRuleChanges(
      { rules: [], allowlists: before },
      { rules: [], allowlists: after },
    );
    expect(lines).toEqual([
      'allowlist office.yaml: +2 ips, -1 user',
      'allowlist probes.yaml: +1 route (/metrics)',
      'allowlist vpn.yaml: +1 session',
    ]);
    for (const secret of ['192.0.2', '2001:db8', 'bob', 's3cr3t']) {
      expect(lines.join('\n')).not.toContain(secret);
    }
  });

  it('counts an allowlist file removed, with the entries of every document in it', () => {
    const before = [
      allowlist('office.yaml', { users: ['ann'] }),
      allowlist('office.yaml', { users: ['bob'] }),
    ];
    expect(
      describeRuleChanges({ rules: [], allowlists: before }, { rules: [], allowlists: [] }),
    ).toEqual(['allowlist office.yaml: -2 users']);
  });
});
