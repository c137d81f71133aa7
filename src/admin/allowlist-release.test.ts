import { describe, expect, it } from 'vitest';
import { lockoutRecord } from '../../test/support/lockouts.js';
import type { LockoutCommand, ReleaseCommand } from '../decide/lockout.js';
import { createLogger } from '../log.js';
import { AllowlistCoverage } from '../rules/allowlist-coverage.js';
import type { SourcedAllowlist } from '../rules/load.js';
import type { LiftRequest } from '../window/store.js';
import {
  AllowlistReleaser,
  allowlistReleaseId,
  planAllowlistReleases,
} from './allowlist-release.js';
import type { AuditRecord } from './audit.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const FILE = '/etc/exfilguard/rules/partners.yaml';

function coverage(entries: Partial<SourcedAllowlist> = {}): AllowlistCoverage {
  const empty: SourcedAllowlist = {
    kind: 'allowlist',
    ips: [],
    users: [],
    sessions: [],
    routes: [],
  };
  return new AllowlistCoverage([{ ...empty, file: FILE, ...entries }]);
}

const scanner = lockoutRecord({
  scope: 'ip',
  subject: '198.51.100.23',
  ttlMs: 3_600_000,
  nowMs: T0,
});
const prefix = lockoutRecord({
  scope: 'ip',
  subject: '2001:db8:aa:7::/64',
  ttlMs: 3_600_000,
  nowMs: T0,
});
const stranger = lockoutRecord({
  scope: 'ip',
  subject: '203.0.113.9',
  ttlMs: 3_600_000,
  nowMs: T0,
});
const user = lockoutRecord({ scope: 'user', subject: 'svc-backup', ttlMs: 3_600_000, nowMs: T0 });
const inForce = [scanner, prefix, stranger, user];
const widened = coverage({ ips: ['198.51.100.0/24', '2001:db8:aa::/48'], users: ['svc-backup'] });

describe('planAllowlistReleases', () => {
  it('releases the lockouts the new allowlists newly cover, by the rule loader, naming the file', () => {
    const planned = planAllowlistReleases(inForce, coverage(), widened, T0 + 1000);
    expect(planned.map((p) => p.lockout.id)).toEqual([scanner.id, prefix.id, user.id]);
    for (const { lockout, release } of planned) {
      expect(release).toMatchObject({
        type: 'release',
        scope: lockout.scope,
        subject: lockout.subject,
        rule: lockout.rule,
        mode: lockout.mode,
        releases: lockout.id,
        releasedBy: 'rule-loader',
        reason: `${lockout.scope} added to the allowlist partners.yaml`,
      });
      // The file's name only, never where it lives.
      expect(release.reason).not.toContain('/etc/');
    }
  });

  it('gives every instance the same id, whenever it reloads; another entry, another id', () => {
    const first = planAllowlistReleases([scanner], coverage(), widened, T0 + 1000);
    const later = planAllowlistReleases([scanner], coverage(), widened, T0 + 9000);
    expect(first[0]!.release.id).toBe(later[0]!.release.id);
    expect(first[0]!.release.id).toBe(allowlistReleaseId(scanner.id, first[0]!.entry));
    const other = planAllowlistReleases(
      [scanner],
      coverage(),
      coverage({ ips: ['198.51.0.0/16'] }),
      T0,
    );
    expect(other[0]!.release.id).not.toBe(first[0]!.release.id);
  });

  it('releases nothing for a change that removes entries or covers nothing in force', () => {
    expect(planAllowlistReleases(inForce, widened, coverage(), T0)).toEqual([]);
    expect(planAllowlistReleases(inForce, widened, widened, T0)).toEqual([]);
    expect(planAllowlistReleases(inForce, coverage(), coverage({ users: ['x'] }), T0)).toEqual([]);
  });
});

/** Two instances on one Redis: the claim is a shared set, as SET NX makes it. */
function instances(count: number) {
  const claimed = new Set<string>();
  const published: ReleaseCommand[] = [];
  const audits: AuditRecord[] = [];
  const lifts: LiftRequest[] = [];
  const releasers = Array.from(
    { length: count },
    () =>
      new AllowlistReleaser({
        inForce: async () => inForce,
        publish: async (records) => void published.push(...(records as ReleaseCommand[])),
        claim: async (id) => !claimed.has(id) && Boolean(claimed.add(id)),
        lift: async (request) => void lifts.push(request),
        audit: { write: async (record) => void audits.push(record) },
        logger: createLogger('silent'),
        now: () => T0 + 1000,
      }),
  );
  return { releasers, published, audits, lifts };
}

describe('AllowlistReleaser', () => {
  it('publishes each release once across instances, and the winner alone audits it', async () => {
    const { releasers, published, audits, lifts } = instances(2);
    const results = await Promise.all(releasers.map((r) => r.reloaded(coverage(), widened)));
    expect(published).toHaveLength(3);
    expect(new Set(published.map((r) => r.releases))).toEqual(
      new Set([scanner.id, prefix.id, user.id]),
    );
    expect(results.flat()).toHaveLength(3);
    expect(audits.map((a) => [a.action, a.who, a.outcome])).toEqual(
      Array.from({ length: 3 }, () => ['allowlist.release', 'rule-loader', 'ok']),
    );
    expect(audits.map((a) => a.lockoutIds)).toEqual(published.map((r) => [r.id]));
    // The detector's state follows for the released rule only, with no grace.
    expect(lifts).toContainEqual({
      scope: 'ip',
      subject: scanner.subject,
      rules: [scanner.rule],
      graceUntilMs: T0 + 1000,
    });
    // The same change reloaded again (an editor's second write) publishes nothing more.
    await releasers[0]!.reloaded(coverage(), widened);
    expect(published).toHaveLength(3);
  });

  it('a release that cannot be published is not audited as done', async () => {
    const audits: AuditRecord[] = [];
    const releaser = new AllowlistReleaser({
      inForce: async () => [user] as LockoutCommand[],
      publish: async () => {
        throw new Error('broker away');
      },
      claim: async () => true,
      audit: { write: async (record) => void audits.push(record) },
      logger: createLogger('silent'),
    });
    await expect(releaser.reloaded(coverage(), widened)).resolves.toEqual([]);
    expect(audits).toEqual([]);
  });
});
