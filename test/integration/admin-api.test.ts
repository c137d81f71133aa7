// The admin API of `exfilguard run` against the real broker and Redis: who may call
// which route (and the audit record of every mutation and refusal), a manual lockout
// published, listed, enforced by `exfilguard enforce` and lifted, the same list from two
// instances and after their restart, and no token (nor its hash) in any log line.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startDetector, type RunningDetector } from '../../src/service/detector-service.js';
import { collectTopic, detectorSetup, waitFor, type DetectorSetup } from '../support/detector.js';
import {
  AuditLog,
  LockoutDirectory,
  LockoutWriter,
  TokenAuthenticator,
} from '../../src/admin/index.js';
import { LockoutSubscription } from '../../src/enforce/index.js';
import { buildAdminApp } from '../../src/http/admin-app.js';
import type { LiftRequest } from '../../src/window/store.js';
import { EnforceHarness, check, client } from '../support/enforcer.js';
import { createTopic, testKafka, uniqueName } from '../support/kafka.js';
import { lockoutRecord, publishLockoutRecords } from '../support/lockouts.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const TOKENS = {
  viewer: randomBytes(32).toString('hex'),
  operator: randomBytes(32).toString('hex'),
  admin: randomBytes(32).toString('hex'),
};
const WRONG = randomBytes(32).toString('hex');
type Caller = 'none' | 'wrong' | keyof typeof TOKENS;
const CALLERS: readonly Caller[] = ['none', 'wrong', 'viewer', 'operator', 'admin'];
const RANK = { viewer: 0, operator: 1, admin: 2 } as const;

let output = '';
const logSink = new Writable({
  write: (chunk: Buffer, _encoding, done) => {
    output += chunk.toString();
    done();
  },
});

let setup: DetectorSetup;
let auditTopic: string;
const running: RunningDetector[] = [];

async function startInstance(): Promise<RunningDetector & { adminUrl: string }> {
  const config = loadConfig(setup.env);
  const detector = await startDetector(config, createLogger('info', logSink));
  running.push(detector);
  expect(detector.adminUrl).toBeDefined();
  return detector as RunningDetector & { adminUrl: string };
}

async function stopAll(): Promise<void> {
  await Promise.allSettled(running.splice(0).map((d) => d.stop()));
}

/** A JSON answer, loosely: each test reads the fields its route returns. */
interface Body {
  readonly id: string;
  readonly type: string;
  readonly error: string;
  readonly message: string;
  readonly items: Body[];
  readonly nextCursor?: string;
  readonly released: unknown[];
  readonly requestId: string;
  readonly [field: string]: unknown;
}

const parsed = (value: Buffer | null): Body => JSON.parse(value?.toString() ?? 'null') as Body;

function headers(caller: Caller, body = false): Record<string, string> {
  return {
    ...(body && { 'content-type': 'application/json' }),
    ...(caller === 'wrong' && { authorization: `Bearer ${WRONG}` }),
    ...(caller !== 'none' && caller !== 'wrong' && { authorization: `Bearer ${TOKENS[caller]}` }),
  };
}

async function call(
  base: string,
  caller: Caller,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Body; requestId: string }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: headers(caller, body !== undefined),
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: (await response.json()) as Body,
    requestId: response.headers.get('x-request-id') ?? '',
  };
}

const manual = (subject: string, more: Record<string, unknown> = {}) => ({
  scope: 'user',
  subject,
  ttl: '30m',
  reason: 'scraping the customer list by hand, seen by the analyst',
  ticket: 'SOC-1234',
  ...more,
});

/** The check's status once it is `wanted`, or the last one seen after 10 s. */
async function statusSettles(
  url: string,
  clientHeaders: Record<string, string>,
  wanted: number,
): Promise<number> {
  const deadline = Date.now() + 10_000;
  let status = (await check(url, clientHeaders)).status;
  while (status !== wanted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = (await check(url, clientHeaders)).status;
  }
  return status;
}

/** Every audit record, newest first, as an admin reads it. */
async function auditTrail(base: string): Promise<Body[]> {
  const items: Body[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(
      base,
      'admin',
      'GET',
      `/v1/audit?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor !== undefined);
  return items;
}

beforeAll(async () => {
  auditTopic = uniqueName('audit');
  setup = await detectorSetup(brokers, redisUrl, {
    env: {
      EXFILGUARD_ADMIN_PORT: '0',
      EXFILGUARD_ADMIN_TOKENS: Object.entries(TOKENS)
        .map(([role, token]) => `${role}-bot:${role}:${sha256(token)}`)
        .join(','),
      EXFILGUARD_AUDIT_TOPIC: auditTopic,
      EXFILGUARD_LOG_LEVEL: 'info',
    },
  });
});

afterAll(stopAll);

describe('the admin API', () => {
  it('answers every route × caller with exactly 401, 403 or success, and audits each mutation and refusal', async () => {
    const detector = await startInstance();
    const base = detector.adminUrl;
    const seeded = await call(base, 'operator', 'POST', '/v1/lockouts', manual(uniqueName('seed')));
    expect(seeded.status).toBe(201);

    const routes = [
      {
        name: 'list',
        needs: 'viewer',
        ok: 200,
        mutation: undefined,
        run: (c: Caller) => call(base, c, 'GET', '/v1/lockouts'),
      },
      {
        name: 'show',
        needs: 'viewer',
        ok: 200,
        mutation: undefined,
        run: (c: Caller) => call(base, c, 'GET', `/v1/lockouts/${seeded.body.id}`),
      },
      {
        name: 'add',
        needs: 'operator',
        ok: 201,
        mutation: 'lockout.add',
        run: (c: Caller) => call(base, c, 'POST', '/v1/lockouts', manual(uniqueName('add'))),
      },
      {
        name: 'lift',
        needs: 'operator',
        ok: 200,
        mutation: 'lockout.lift',
        run: async (c: Caller) => {
          // A fresh lockout each time: a successful lift ends the one it names.
          const target = await call(
            base,
            'operator',
            'POST',
            '/v1/lockouts',
            manual(uniqueName('lift')),
          );
          return call(base, c, 'POST', `/v1/lockouts/${target.body.id}/lift`, {
            reason: 'false positive',
            grace: '0s',
          });
        },
      },
      {
        name: 'audit',
        needs: 'admin',
        ok: 200,
        mutation: undefined,
        run: (c: Caller) => call(base, c, 'GET', '/v1/audit'),
      },
    ] as const;

    const expected: { requestId: string; who: string; action: string; outcome: string }[] = [];
    const unaudited: string[] = [];
    for (const route of routes) {
      for (const caller of CALLERS) {
        const answer = await route.run(caller);
        const what = `${route.name} as ${caller}`;
        const known = caller !== 'none' && caller !== 'wrong';
        const allowed = known && RANK[caller] >= RANK[route.needs];
        const status = !known ? 401 : allowed ? route.ok : 403;
        expect(answer.status, what).toBe(status);
        if (status === 401) expect(answer.body.error, what).toBe('unauthenticated');
        if (status === 403) expect(answer.body.error, what).toBe('forbidden');
        if (status >= 400) expect(answer.body.message, what).toMatch(/token|credentials/);
        const outcome = status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'ok';
        if (status >= 400 || route.mutation) {
          expected.push({
            requestId: answer.requestId,
            who: known ? `${caller}-bot` : 'anonymous',
            action: route.mutation ?? 'auth.refused',
            outcome,
          });
        } else unaudited.push(answer.requestId);
      }
    }
    // Every cell that is a refusal or a mutation: 2 per read for viewers' routes, 4 for
    // the audit route, all 5 per mutation.
    expect(expected).toHaveLength(2 * 2 + 2 * 5 + 4);

    const trail = await auditTrail(base);
    for (const e of expected) {
      const records = trail.filter((r) => r.requestId === e.requestId);
      expect(records, JSON.stringify(e)).toHaveLength(1);
      expect(records[0], JSON.stringify(e)).toMatchObject({
        who: e.who,
        action: e.action,
        outcome: e.outcome,
      });
    }
    for (const requestId of unaudited)
      expect(trail.some((r) => r.requestId === requestId)).toBe(false);

    // Failed logins are counted, once per refused call: one of each kind per route.
    const metrics = await (await fetch(`${detector.url}/metrics`)).text();
    expect(metrics).toMatch(/^exfilguard_admin_auth_failures_total\{reason="missing"\} 5$/m);
    expect(metrics).toMatch(/^exfilguard_admin_auth_failures_total\{reason="unknown"\} 5$/m);

    // The same records are on the audit topic, for every instance and for the years.
    const topic = await collectTopic(brokers, auditTopic);
    try {
      await waitFor(
        () =>
          expected.every((e) =>
            topic.received.some((m) => parsed(m.message.value).requestId === e.requestId),
          ),
        15_000,
        'every audit record on the audit topic',
      );
    } finally {
      await topic.stop();
    }
  });

  it('refuses invalid bodies and unknown ids with 400 and 404, audited', async () => {
    const base = running[0]?.adminUrl ?? (await startInstance()).adminUrl;
    const invalid = await call(
      base,
      'operator',
      'POST',
      '/v1/lockouts',
      manual('x', { ttl: '400d' }),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: 'invalid', issues: [{ path: 'ttl' }] });
    const unknown = await call(base, 'operator', 'POST', '/v1/lockouts/0123abcd/lift', {
      reason: 'x',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    const show = await call(base, 'viewer', 'GET', '/v1/lockouts/0123abcd');
    expect(show.status).toBe(404);
    const trail = await auditTrail(base);
    expect(trail.find((r) => r.requestId === invalid.requestId)).toMatchObject({
      action: 'lockout.add',
      outcome: 'invalid',
      who: 'operator-bot',
    });
    expect(trail.find((r) => r.requestId === unknown.requestId)).toMatchObject({
      action: 'lockout.lift',
      outcome: 'not_found',
    });
  });

  it('a manual lockout of a user is published, listed, enforced and audited; a lift ends it everywhere', async () => {
    const base = running[0]?.adminUrl ?? (await startInstance()).adminUrl;
    const enforce = new EnforceHarness(brokers);
    const topic = await collectTopic(brokers, setup.topics.lockouts);
    try {
      const enforcer = await enforce.enforceCaughtUp(setup.topics.lockouts, {
        EXFILGUARD_ENFORCE_USER_HEADER: 'x-user',
      });
      const user = uniqueName('mallory');
      const asUser = client('192.0.2.44', { 'x-user': user });
      expect((await check(enforcer.url, asUser)).status).toBe(200);

      const added = await call(base, 'operator', 'POST', '/v1/lockouts', manual(user));
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({
        type: 'lockout',
        scope: 'user',
        subject: user,
        rule: 'manual',
        mode: 'enforce',
        severity: 'high',
        evidence: { by: 'operator-bot' },
        ttlSeconds: 1800,
      });
      expect(added.body.id).toMatch(/^[0-9a-f]{32}$/);

      await waitFor(
        () =>
          topic.received.some((m) => m.message.key?.toString() === `manual/enforce/user:${user}`),
        10_000,
        'the manual lockout on the lockouts topic',
      );
      const listed = await call(
        base,
        'viewer',
        'GET',
        '/v1/lockouts?scope=user&rule=manual&limit=500',
      );
      expect(listed.body.items.map((l: Body) => l.id)).toContain(added.body.id);
      expect((await call(base, 'viewer', 'GET', `/v1/lockouts/${added.body.id}`)).body).toEqual(
        added.body,
      );

      expect(await statusSettles(enforcer.url, asUser, 403)).toBe(403);

      const lift = await call(base, 'operator', 'POST', `/v1/lockouts/${added.body.id}/lift`, {
        reason: 'the analyst was wrong: a bulk export the customer had asked for',
        ticket: 'SOC-1235',
      });
      expect(lift.status).toBe(200);
      expect(lift.body.released).toEqual([
        expect.objectContaining({
          type: 'release',
          scope: 'user',
          subject: user,
          rule: 'manual',
          mode: 'enforce',
          releases: added.body.id,
          releasedBy: 'operator-bot',
          ticket: 'SOC-1235',
        }),
      ]);
      await waitFor(
        () =>
          topic.received.some(
            (m) =>
              m.message.key?.toString() === `manual/enforce/user:${user}` &&
              parsed(m.message.value).type === 'release',
          ),
        10_000,
        'the release on the lockouts topic',
      );
      const after = await call(base, 'viewer', 'GET', '/v1/lockouts?scope=user&limit=500');
      expect(after.body.items.map((l: Body) => l.id)).not.toContain(added.body.id);
      expect((await call(base, 'viewer', 'GET', `/v1/lockouts/${added.body.id}`)).status).toBe(404);
      expect(await statusSettles(enforcer.url, asUser, 200)).toBe(200);

      const trail = await auditTrail(base);
      expect(trail.find((r) => r.requestId === added.requestId)).toMatchObject({
        who: 'operator-bot',
        role: 'operator',
        action: 'lockout.add',
        subject: `user:${user}`,
        rule: 'manual',
        ticket: 'SOC-1234',
        lockoutIds: [added.body.id],
        outcome: 'ok',
      });
      expect(trail.find((r) => r.requestId === lift.requestId)).toMatchObject({
        action: 'lockout.lift',
        subject: `user:${user}`,
        lockoutIds: [added.body.id],
        outcome: 'ok',
      });
    } finally {
      await topic.stop();
      await enforce.close();
    }
  });

  it('lists the same lockouts from two instances and after a restart of both', async () => {
    if (running.length === 0) await startInstance();
    const first = running[0]! as RunningDetector & { adminUrl: string };
    const added = await call(
      first.adminUrl,
      'operator',
      'POST',
      '/v1/lockouts',
      manual(uniqueName('both')),
    );
    expect(added.status).toBe(201);
    const second = await startInstance();
    const ids = async (base: string) =>
      (await call(base, 'viewer', 'GET', '/v1/lockouts?limit=500')).body.items.map((l) => l.id);

    const expected = await ids(first.adminUrl);
    expect(expected).toContain(added.body.id);
    // The port opens once the topic is read to where it stood: no waiting here.
    expect(await ids(second.adminUrl)).toEqual(expected);

    await stopAll();
    const [a, b] = [await startInstance(), await startInstance()];
    expect(await ids(a.adminUrl)).toEqual(expected);
    expect(await ids(b.adminUrl)).toEqual(expected);
  });

  it('serves HTTPS with the configured certificate, and nothing in clear', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exfilguard-admin-tls-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    // A self-signed certificate for 127.0.0.1 (openssl, as an operator would make one).
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const config = loadConfig({
      ...setup.env,
      EXFILGUARD_ADMIN_TLS_CERT_FILE: cert,
      EXFILGUARD_ADMIN_TLS_KEY_FILE: key,
    });
    const detector = await startDetector(config, createLogger('info', logSink));
    running.push(detector);
    try {
      expect(detector.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:/);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest(
          `${detector.adminUrl}/v1/lockouts`,
          { ca: readFileSync(cert), headers: { authorization: `Bearer ${TOKENS.viewer}` } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
      const plain = detector.adminUrl!.replace('https:', 'http:');
      await expect(fetch(`${plain}/v1/lockouts`)).rejects.toThrow();
    } finally {
      await detector.stop();
      running.splice(running.indexOf(detector), 1);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes no token and no token hash into any log line, and logs each audit record', () => {
    expect(output).toContain('"msg":"audit"');
    for (const secret of [...Object.values(TOKENS), WRONG]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(sha256(secret));
    }
  });
});

describe('a lift', () => {
  it('releases every lockout of the subject, or only the named rule’s, and asks the store to follow with the rule’s window as grace', async () => {
    const topic = uniqueName('lift.lockouts');
    const audits = uniqueName('lift.audit');
    await createTopic(brokers, topic, 2);
    await createTopic(brokers, audits, 1);
    const kafka = testKafka(brokers);
    const logger = createLogger('silent');
    const directory = new LockoutDirectory();
    const subscription = new LockoutSubscription({ kafka, topic, table: directory, logger });
    const audit = new AuditLog({ kafka, topic: audits, logger });
    const writer = new LockoutWriter(kafka, topic);
    const token = randomBytes(32).toString('hex');
    const lifts: LiftRequest[] = [];
    const app = buildAdminApp({
      directory,
      tokens: new TokenAuthenticator([{ name: 'oscar', role: 'operator', hash: sha256(token) }]),
      audit,
      publish: writer.publish,
      lift: async (request) => {
        lifts.push(request);
      },
      rules: () =>
        new Map([
          ['sequential-id-scan', 60_000],
          ['slow-id-scan', 3_600_000],
        ]),
      logger,
    });
    try {
      await Promise.all([subscription.start(), audit.start(), writer.connect()]);
      await subscription.untilCaughtUp();
      const subject = '203.0.113.9';
      const fast = lockoutRecord({ scope: 'ip', subject, ttlMs: 3_600_000 });
      const slow = lockoutRecord({ scope: 'ip', subject, rule: 'slow-id-scan', ttlMs: 21_600_000 });
      const bystander = lockoutRecord({ scope: 'ip', subject: '203.0.113.10', ttlMs: 3_600_000 });
      await publishLockoutRecords(brokers, topic, [fast, slow, bystander]);
      await waitFor(() => directory.size === 3, 10_000, 'the three lockouts read');

      const lift = (id: string, body: Record<string, unknown>) =>
        app.inject({
          method: 'POST',
          url: `/v1/lockouts/${id}/lift`,
          headers: { authorization: `Bearer ${token}` },
          payload: { reason: 'false positive', ...body },
        });

      const unknownRule = await lift(fast.id, { rule: 'error-probing' });
      expect(unknownRule.statusCode).toBe(404);
      expect(unknownRule.json<Body>().message).toContain('omit "rule"');

      // Named rule: only its key, grace = that rule's window.
      const one = await lift(fast.id, { rule: 'slow-id-scan' });
      expect(one.statusCode).toBe(200);
      const [release] = one.json<{ released: Body[] }>().released;
      expect(release).toMatchObject({
        rule: 'slow-id-scan',
        releases: slow.id,
        releasedBy: 'oscar',
      });
      expect(lifts[0]).toEqual({
        scope: 'ip',
        subject,
        rules: ['slow-id-scan'],
        graceUntilMs: Date.parse(release!.issuedAt as string) + 3_600_000,
      });
      expect(directory.get(fast.id)).toEqual(fast);
      expect(directory.get(slow.id)).toBeUndefined();

      // No rule: every key of the subject still in force; "0s": no grace.
      const all = await lift(fast.id, { grace: '0s' });
      expect(all.statusCode).toBe(200);
      const released = all.json<{ released: Body[] }>().released;
      expect(released.map((r) => r.releases)).toEqual([fast.id]);
      expect(lifts[1]).toEqual({
        scope: 'ip',
        subject,
        graceUntilMs: Date.parse(released[0]!.issuedAt as string),
      });
      expect(directory.get(bystander.id)).toEqual(bystander);

      // What the topic says agrees, for every other reader.
      const reader = new LockoutDirectory();
      const again = new LockoutSubscription({ kafka, topic, table: reader, logger });
      await again.start();
      try {
        await again.untilCaughtUp();
        expect(reader.list({ limit: 10 }).items).toEqual([bystander]);
      } finally {
        await again.stop();
      }
    } finally {
      await app.close();
      await Promise.allSettled([subscription.stop(), audit.stop(), writer.disconnect()]);
    }
  });
});
