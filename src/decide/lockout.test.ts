import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MODES, SCOPES } from '../vocabulary/scope.js';
import {
  lockoutKey,
  lockoutRecordSchema,
  parseLockoutKey,
  releaseCommand,
  type LockoutKeyParts,
} from './lockout.js';

describe('lockout keys', () => {
  it('name the rule, the mode and the subject', () => {
    const parts: LockoutKeyParts = {
      rule: 'slow-id-scan',
      mode: 'enforce',
      scope: 'ip',
      subject: '2001:db8:1:2::/64',
    };
    expect(lockoutKey(parts)).toBe('slow-id-scan/enforce/ip:2001:db8:1:2::/64');
    expect(parseLockoutKey(lockoutKey(parts))).toEqual(parts);
  });

  it('keep two rules and two modes of one subject apart', () => {
    const base = { scope: 'ip', subject: '203.0.113.7' } as const;
    const keys = new Set([
      lockoutKey({ ...base, rule: 'sequential-id-scan', mode: 'enforce' }),
      lockoutKey({ ...base, rule: 'slow-id-scan', mode: 'enforce' }),
      lockoutKey({ ...base, rule: 'slow-id-scan', mode: 'shadow' }),
    ]);
    expect(keys.size).toBe(3);
  });

  it('read back whatever the subject holds', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/),
        fc.constantFrom(...MODES),
        fc.constantFrom(...SCOPES),
        fc.string({ minLength: 1 }),
        (rule, mode, scope, subject) => {
          const parts = { rule, mode, scope, subject };
          expect(parseLockoutKey(lockoutKey(parts))).toEqual(parts);
        },
      ),
    );
  });

  it.each([
    ['ip:203.0.113.7', 'a version-1 key'],
    ['rule/enforce', 'no subject'],
    ['rule/maybe/ip:1.2.3.4', 'an unknown mode'],
    ['rule/enforce/host:1.2.3.4', 'an unknown scope'],
    ['/enforce/ip:1.2.3.4', 'no rule'],
    ['rule/enforce/ip:', 'an empty subject'],
  ])('refuse %s (%s)', (key) => {
    expect(parseLockoutKey(key)).toBeUndefined();
  });
});

describe('release records', () => {
  it('carry the lockout’s key, who lifted it and why, and validate', () => {
    const lockout = {
      rule: 'sequential-id-scan',
      mode: 'enforce',
      scope: 'session',
      subject: 's-42',
      id: 'abc',
    } as const;
    const release = releaseCommand(
      lockout,
      { releasedBy: 'alice', reason: 'a customer’s sync job', ticket: 'SOC-17' },
      Date.parse('2026-12-06T10:00:00Z'),
    );
    expect(lockoutKey(release)).toBe(lockoutKey(lockout));
    expect(release).toMatchObject({
      type: 'release',
      version: 2,
      releases: 'abc',
      ticket: 'SOC-17',
    });
    expect(lockoutRecordSchema.parse(release)).toEqual(release);
  });

  it('are refused without who lifted them', () => {
    const release = releaseCommand(
      { rule: 'r', mode: 'enforce', scope: 'ip', subject: '1.2.3.4' },
      { releasedBy: 'x', reason: 'y' },
      0,
    );
    const { releasedBy: _who, ...anonymous } = release;
    expect(lockoutRecordSchema.safeParse(anonymous).success).toBe(false);
  });
});
