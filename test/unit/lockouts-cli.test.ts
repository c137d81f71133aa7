// `exfilguard lockouts list|show|add|lift` against a real HTTP server that keeps the
// admin API's contract (test/support/admin-api.ts): what is printed and the exact
// request sent, for each subcommand (refusals: lockouts-cli-errors.test.ts).
import { describe, expect, it } from 'vitest';
import { lockoutCommandSchema, releaseCommandSchema } from '../../src/decide/lockout.js';
import {
  ADMIN_TOKENS,
  jsonLines,
  lockoutFixture,
  runLockouts,
  adminApiPerTest,
} from '../support/admin-api.js';

const api = adminApiPerTest();
const { useToken } = api;
const run = runLockouts;

describe('exfilguard lockouts list', () => {
  it('prints the lockouts in force as a table, newest first, with the bearer token sent', async () => {
    const { code, stdout, stderr } = await run(['list']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+RULE\s+SCOPE:SUBJECT\s+MODE\s+EXPIRES IN\s+REASON$/);
    const reason = (n: number) => `walked ${n} ids of /api/orders/{id} in 4m`;
    const [l3, l2, l1] = api.stub.lockouts.map((l) => l.id);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/))).toEqual([
      [l3, 'sequential-id-scan', 'ip:203.0.113.3', 'enforce', '2h', reason(103)],
      [l2, 'sequential-id-scan', 'user:alice', 'shadow', '2h', reason(102)],
      [l1, 'sequential-id-scan', 'ip:203.0.113.1', 'enforce', '2h', reason(101)],
    ]);
    expect(api.stub.received).toEqual([
      {
        method: 'GET',
        path: '/v1/lockouts',
        query: {},
        authorization: `Bearer ${ADMIN_TOKENS.viewer}`,
        body: undefined,
      },
    ]);
  });

  it('sends the filters as query parameters and prints JSON lines with --json', async () => {
    const argv = ['list', '--scope', 'user', '--rule', 'sequential-id-scan', '--mode', 'shadow'];
    const { code, stdout } = await run([...argv, '--limit', '5', '--json']);
    expect(code).toBe(0);
    const records = jsonLines(stdout);
    expect(records).toEqual([api.stub.lockouts[1]]);
    expect(records.every((r) => lockoutCommandSchema.safeParse(r).success)).toBe(true);
    expect(api.stub.received.map((r) => r.query)).toEqual([
      { scope: 'user', rule: 'sequential-id-scan', mode: 'shadow', limit: '5' },
    ]);
  });

  it('follows nextCursor to the last page with --all, and says when more pages were left', async () => {
    api.stub.lockouts = Array.from({ length: 5 }, (_, i) => lockoutFixture(5 - i));
    const all = await run(['list', '--limit', '2', '--all', '--json']);
    expect(all.code).toBe(0);
    expect(jsonLines(all.stdout)).toEqual(api.stub.lockouts);
    expect(api.stub.received.map((r) => r.query)).toEqual([
      { limit: '2' },
      { limit: '2', cursor: 'c2' },
      { limit: '2', cursor: 'c4' },
    ]);

    const first = await run(['list', '--limit', '2']);
    expect(first.code).toBe(0);
    expect(first.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(first.stderr).toBe('more lockouts follow: --all lists every page\n');
  });

  it('stops with an error when the server hands back a cursor it already gave', async () => {
    api.stub.override = () => ({ status: 200, body: { items: [], nextCursor: 'again' } });
    const { code, stderr } = await run(['list', '--all']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'exfilguard lockouts list: the admin API returned the page cursor "again" twice: stopped following it\n',
    );
    expect(api.stub.received).toHaveLength(2);
  });

  it('says "no lockouts" when none is in force', async () => {
    api.stub.lockouts = [];
    expect(await run(['list'])).toEqual({ code: 0, stdout: 'no lockouts\n', stderr: '' });
  });
});

describe('exfilguard lockouts show', () => {
  it('prints one lockout with its evidence, or its JSON', async () => {
    const lockout = api.stub.lockouts[0]!;
    const text = await run(['show', lockout.id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`id:         ${lockout.id}\n`);
    expect(text.stdout).toContain('subject:    ip:203.0.113.3\n');
    expect(text.stdout).toContain(`expires at: ${lockout.expiresAt} (2h; ttl 2h)\n`);
    expect(text.stdout).toContain('evidence:   distinctIds=103 route=/api/orders/{id}\n');
    const json = await run(['show', lockout.id, '--json']);
    expect(jsonLines(json.stdout)).toEqual([lockout]);
    expect(api.stub.received.map((r) => [r.method, r.path])).toEqual([
      ['GET', `/v1/lockouts/${lockout.id}`],
      ['GET', `/v1/lockouts/${lockout.id}`],
    ]);
  });

  it('escapes the id into the path', async () => {
    await run(['show', 'a/b?c']);
    expect(api.stub.received[0]!.path).toBe('/v1/lockouts/a%2Fb%3Fc');
  });

  it('exits 4 naming the id when no lockout has it', async () => {
    const { code, stdout, stderr } = await run(['show', 'no-such-id']);
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'exfilguard lockouts show: no lockout with id "no-such-id" in force (404): "exfilguard lockouts list" shows the ids in force\n',
    );
  });
});

describe('exfilguard lockouts add', () => {
  it('posts a manual lockout and prints it; --json prints the record', async () => {
    useToken(ADMIN_TOKENS.operator);
    const argv = ['add', '--scope', 'user', '--subject', 'mallory', '--ttl', '90m'];
    const text = await run([
      ...argv,
      '--reason',
      'scraping the export page by hand',
      '--ticket',
      'SOC-17',
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^locked out user:mallory\nid: /);
    expect(text.stdout).toContain('rule:       manual\n');
    expect(api.stub.received[0]).toEqual({
      method: 'POST',
      path: '/v1/lockouts',
      query: {},
      authorization: `Bearer ${ADMIN_TOKENS.operator}`,
      body: {
        scope: 'user',
        subject: 'mallory',
        ttl: '90m',
        reason: 'scraping the export page by hand',
        ticket: 'SOC-17',
      },
    });

    // A bare number is seconds, sent in the API's notation.
    const json = await run(
      'add --scope ip --subject 198.51.100.9 --ttl 3600 --reason r --mode shadow --json'.split(' '),
    );
    expect(json.code).toBe(0);
    const [record] = jsonLines(json.stdout);
    expect(lockoutCommandSchema.parse(record)).toMatchObject({
      rule: 'manual',
      mode: 'shadow',
      ttlSeconds: 3600,
    });
    expect(api.stub.received[1]!.body).toEqual({
      scope: 'ip',
      subject: '198.51.100.9',
      ttl: '1h',
      reason: 'r',
      mode: 'shadow',
    });
  });

  it('exits 3 naming the operator role when a viewer token tries', async () => {
    const { code, stdout, stderr } = await run(
      'add --scope ip --subject 198.51.100.9 --ttl 1h --reason r'.split(' '),
    );
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      "exfilguard lockouts add: the token's role is too low to add lockouts (403: role viewer may not do this; needs operator): add needs a token with the operator role or higher\n",
    );
  });

  it("exits 1 with the server's message and issues on a 400", async () => {
    useToken(ADMIN_TOKENS.operator);
    // The CLI checks what it can; a server-side refusal is shown as the server words it.
    api.stub.override = (request) =>
      request.method === 'POST'
        ? {
            status: 400,
            body: {
              error: 'invalid',
              message: 'the request body is invalid',
              issues: [
                { path: ['subject'], message: 'not an IP address' },
                { path: ['ttl'], message: 'longer than the 30d maximum' },
              ],
            },
          }
        : undefined;
    const { code, stderr } = await run(
      'add --scope ip --subject x --ttl 90d --reason r'.split(' '),
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      'exfilguard lockouts add: the admin API refused the request as invalid (400: the request body is invalid); subject: not an IP address; ttl: longer than the 30d maximum\n',
    );
  });
});

describe('exfilguard lockouts lift', () => {
  it('lifts every lockout of the subject and prints the releases; --json prints the records', async () => {
    useToken(ADMIN_TOKENS.operator);
    const target = api.stub.lockouts[0]!;
    api.stub.lockouts.push(lockoutFixture(3, { id: 'second-of-3', rule: 'slow-id-scan' }));
    const text = await run([
      'lift',
      target.id,
      '--reason',
      'customer confirmed',
      '--ticket',
      'SOC-18',
      '--grace',
      '0',
    ]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('released 2 lockouts');
    expect(lines[1]).toMatch(/^RELEASE ID\s+RULE\s+SCOPE:SUBJECT\s+MODE\s+LOCKOUT ID$/);
    expect(lines.slice(2).map((line) => line.split(/\s{2,}/).slice(1))).toEqual([
      ['sequential-id-scan', 'ip:203.0.113.3', 'enforce', target.id],
      ['slow-id-scan', 'ip:203.0.113.3', 'enforce', 'second-of-3'],
    ]);
    expect(api.stub.received[0]).toEqual({
      method: 'POST',
      path: `/v1/lockouts/${target.id}/lift`,
      query: {},
      authorization: `Bearer ${ADMIN_TOKENS.operator}`,
      body: { reason: 'customer confirmed', ticket: 'SOC-18', grace: '0s' },
    });

    const other = api.stub.lockouts[0]!;
    const json = await run([
      'lift',
      other.id,
      '--reason',
      'r',
      '--rule',
      other.rule,
      '--grace',
      '600',
      '--json',
    ]);
    expect(json.code).toBe(0);
    const released = jsonLines(json.stdout).map((r) => releaseCommandSchema.parse(r));
    expect(released).toMatchObject([
      { releases: other.id, releasedBy: 'operator-token', reason: 'r' },
    ]);
    expect(api.stub.received[1]!.body).toEqual({ reason: 'r', rule: other.rule, grace: '10m' });
  });

  it('exits 3 naming the operator role for a viewer token, 4 for an id not in force', async () => {
    const viewer = await run(['lift', api.stub.lockouts[0]!.id, '--reason', 'r']);
    expect(viewer.code).toBe(3);
    expect(viewer.stderr).toContain('lift needs a token with the operator role or higher');
    useToken(ADMIN_TOKENS.admin);
    const missing = await run(['lift', 'gone', '--reason', 'r']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no lockout with id "gone" in force (404)');
  });
});
