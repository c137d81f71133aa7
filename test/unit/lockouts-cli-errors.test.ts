// `exfilguard lockouts`: each refusal and failure as one line on stderr that says
// what to do, with its exit code (3 auth, 4 not found, 1 otherwise); https with a
// private CA. The token must never be printed, even when the server echoes it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { expiresIn } from '../../src/commands/lockouts-output.js';
import {
  ADMIN_TOKENS,
  jsonLines,
  lockoutFixture,
  runLockouts,
  adminApiPerTest,
  startAdminApiStub,
} from '../support/admin-api.js';

const api = adminApiPerTest();
const { useToken } = api;
const run = runLockouts;

describe('exfilguard lockouts: refusals and failures', () => {
  it('refuses a bad command line before calling anyone (exit 2)', async () => {
    for (const argv of [
      ['add', '--subject', 'x', '--ttl', '1h', '--reason', 'r'],
      ['add', '--scope', 'asn', '--subject', 'x', '--ttl', '1h', '--reason', 'r'],
      ['add', '--scope', 'ip', '--subject', 'x', '--ttl', 'soon', '--reason', 'r'],
      ['add', '--scope', 'ip', '--subject', 'x', '--ttl', '1h', '--reason', ' '],
      ['lift', '--reason', 'r'],
      ['lift', 'id', '--reason', 'r', '--grace', 'later'],
      ['list', '--limit', '0'],
      ['list', '--mode', 'audit'],
      ['purge'],
    ]) {
      const { code, stderr } = await run(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(/^exfilguard: .+\nRun "exfilguard help" for usage\.\n$/);
    }
    expect(api.stub.received).toEqual([]);
  });

  it('exits 3 on an unknown token, naming EXFILGUARD_ADMIN_TOKEN and not printing it', async () => {
    const wrong = 'wrong-token-that-must-not-be-printed';
    useToken(wrong);
    const { code, stdout, stderr } = await run(['list']);
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'exfilguard lockouts list: the admin API refused the token (401: a valid bearer token is required): check EXFILGUARD_ADMIN_TOKEN (unset, mistyped, or no longer configured on the server)\n',
    );
    expect(api.stub.received[0]!.authorization).toBe(`Bearer ${wrong}`);
  });

  it('never prints the token, even when the server echoes it', async () => {
    api.stub.override = (request) => ({
      status: 500,
      body: { error: 'internal', message: `upstream said: ${request.authorization}` },
    });
    const { code, stderr } = await run(['list']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `exfilguard lockouts list: the admin API at ${api.stub.url} answered GET /v1/lockouts with 500: upstream said: Bearer [redacted] (a server error: its log says more)\n`,
    );
  });

  it('reports an answer of the wrong shape as such, naming the field and EXFILGUARD_ADMIN_URL', async () => {
    const broken = { ...api.stub.lockouts[0]!, expiresAt: 'tomorrow' };
    api.stub.override = () => ({ status: 200, body: { items: [broken] } });
    const shape = await run(['list']);
    expect(shape.code).toBe(1);
    expect(shape.stderr).toMatch(
      /^exfilguard lockouts list: the server at http:\/\/127\.0\.0\.1:\d+ answered GET \/v1\/lockouts with 200 but not as the admin API does \(items\.0\.expiresAt: .+\): is EXFILGUARD_ADMIN_URL the exfilguard admin API, of a version that matches this CLI\?\n$/,
    );
    api.stub.override = () => ({ status: 200, body: '<html>login</html>' });
    const page = await run(['show', 'x']);
    expect(page.code).toBe(1);
    expect(page.stderr).toContain('with 200 but not as the admin API does (not JSON)');
  });

  it('a 404 on list means the URL is not the admin API', async () => {
    api.stub.override = () => ({ status: 404, body: '<html>Not Found</html>' });
    const { code, stderr } = await run(['list']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `exfilguard lockouts list: the admin API at ${api.stub.url} answered GET /v1/lockouts with 404: is EXFILGUARD_ADMIN_URL the exfilguard admin API?\n`,
    );
  });

  it('names EXFILGUARD_ADMIN_URL when nothing listens there', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    useToken(ADMIN_TOKENS.viewer, `http://127.0.0.1:${port}`);
    const { code, stderr } = await run(['list']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `exfilguard lockouts list: cannot reach the admin API at http://127.0.0.1:${port} (ECONNREFUSED): check EXFILGUARD_ADMIN_URL, and that exfilguard runs there with its admin API on\n`,
    );
  });

  it('gives up after --timeout when the server does not answer', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      useToken(ADMIN_TOKENS.viewer, `http://127.0.0.1:${port}`);
      const began = Date.now();
      const { code, stderr } = await run(['list', '--timeout', '300ms']);
      expect(Date.now() - began).toBeLessThan(3000);
      expect(code).toBe(1);
      expect(stderr).toBe(
        `exfilguard lockouts list: no answer from the admin API at http://127.0.0.1:${port} within 0.3 s: check EXFILGUARD_ADMIN_URL, or wait longer with --timeout\n`,
      );
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses a missing or misspelt configuration without printing the token', async () => {
    vi.stubEnv('EXFILGUARD_ADMIN_URL', '');
    const unset = await run(['list']);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('EXFILGUARD_ADMIN_URL: required, not set');
    useToken(`${ADMIN_TOKENS.admin}\n`);
    const newline = await run(['list']);
    expect(newline.code).toBe(1);
    expect(newline.stderr).toContain('EXFILGUARD_ADMIN_TOKEN: printable characters without spaces');
    useToken(ADMIN_TOKENS.viewer);
    vi.stubEnv('EXFILGUARD_ADMIN_TOKN', 'x');
    const typo = await run(['list']);
    expect(typo.stderr).toContain('unknown variable EXFILGUARD_ADMIN_TOKN');
    vi.stubEnv('EXFILGUARD_ADMIN_TOKN', '');
    vi.stubEnv('EXFILGUARD_ADMIN_CA_FILE', '/nonexistent/ca.pem');
    const ca = await run(['list']);
    expect(ca.code).toBe(1);
    expect(ca.stderr).toContain(
      'EXFILGUARD_ADMIN_CA_FILE: cannot read "/nonexistent/ca.pem" (ENOENT)',
    );
    expect(api.stub.received).toEqual([]);
  });
});

describe('exfilguard lockouts over https', () => {
  it('trusts a private CA given in EXFILGUARD_ADMIN_CA_FILE, and names that variable without it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exfilguard-admin-tls-'));
    const https = await (async () => {
      // A self-signed certificate for 127.0.0.1: its own CA, as a private one would be.
      await promisify(execFile)('openssl', [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
        ...['-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ]);
      const key = await readFile(join(dir, 'key.pem'), 'utf8');
      const cert = await readFile(join(dir, 'cert.pem'), 'utf8');
      return startAdminApiStub({ key, cert });
    })();
    try {
      https.lockouts = [lockoutFixture(7)];
      useToken(ADMIN_TOKENS.viewer, https.url);
      const untrusted = await run(['list']);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toBe(
        `exfilguard lockouts list: the admin API at ${https.url} presented a certificate not trusted here (DEPTH_ZERO_SELF_SIGNED_CERT): set EXFILGUARD_ADMIN_CA_FILE to the PEM of the CA that signed it\n`,
      );
      vi.stubEnv('EXFILGUARD_ADMIN_CA_FILE', join(dir, 'cert.pem'));
      const trusted = await run(['list', '--json']);
      expect(trusted.code).toBe(0);
      expect(jsonLines(trusted.stdout)).toEqual(https.lockouts);
      expect(https.received.at(-1)!.authorization).toBe(`Bearer ${ADMIN_TOKENS.viewer}`);
    } finally {
      await https.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('expiresIn', () => {
  it('words the time left to the unit that matters', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const at = (s: number) => new Date(now + s * 1000).toISOString();
    expect(
      [-5, 0, 45, 90, 3600, 3600 + 5 * 60 + 59, 86_400 * 2, 86_400 + 3 * 3600].map((s) =>
        expiresIn(at(s), now),
      ),
    ).toEqual(['expired', 'expired', '45s', '1m', '1h', '1h 5m', '2d', '1d 3h']);
  });
});
