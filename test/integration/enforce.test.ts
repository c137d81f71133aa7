// `exfilguard enforce` against the real broker, through its HTTP check endpoint, as a
// gateway calls it. Records are written straight to the lockouts topic (contract 2),
// as the detector or an operator would publish them; each check comes from this
// process, i.e. from 127.0.0.1, a trusted proxy by default, so X-Forwarded-For names
// the client unless a test configures otherwise.
import { createHash } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEnforceConfig } from '../../src/config.js';
import { lockoutKey } from '../../src/decide/lockout.js';
import { createLogger } from '../../src/log.js';
import { startEnforcer, type RunningEnforcer } from '../../src/service/enforcer-service.js';
import { createTopic, testKafka, uniqueName } from '../support/kafka.js';
import {
  lockoutMessage,
  lockoutProducer,
  lockoutRecord,
  releaseOf,
  type LockoutSpec,
} from '../support/lockouts.js';
import { metricValue, waitForReadiness, waitUntil } from '../support/metrics.js';

const brokers = inject('kafkaBrokers');

const running: RunningEnforcer[] = [];
let producer: Producer;

beforeAll(async () => {
  producer = await lockoutProducer(brokers);
});

afterAll(async () => {
  await Promise.allSettled(running.map((r) => r.stop()));
  await producer?.disconnect();
});

/** `exfilguard enforce` on `topic`, configured as an operator would (EXFILGUARD_*), on a free port. */
async function enforce(topic: string, env: Record<string, string> = {}): Promise<RunningEnforcer> {
  const config = loadEnforceConfig({
    EXFILGUARD_KAFKA_BROKERS: brokers.join(','),
    EXFILGUARD_KAFKA_CLIENT_ID: uniqueName('enforce'),
    EXFILGUARD_LOCKOUT_TOPIC: topic,
    EXFILGUARD_ENFORCE_PORT: '0',
    EXFILGUARD_LOG_LEVEL: 'silent',
    ...env,
  });
  const started = await startEnforcer(config, createLogger(config.logLevel));
  running.push(started);
  return started;
}

async function enforceCaughtUp(topic: string, env: Record<string, string> = {}) {
  const started = await enforce(topic, env);
  await started.enforcer.untilCaughtUp();
  return started;
}

/** Publishes a lockout (acks from all replicas) and returns it. */
async function publishLockout(topic: string, spec: LockoutSpec) {
  const record = lockoutRecord(spec);
  await producer.send({ topic, acks: -1, messages: [lockoutMessage(record, record)] });
  return record;
}

function check(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/check`, { headers });
}

const client = (address: string, more: Record<string, string> = {}) => ({
  'x-forwarded-for': address,
  ...more,
});

/**
 * Polls the check every `everyMs` until it answers `status`; returns the milliseconds
 * from the call to that answer. Throws after `timeoutMs`.
 */
async function untilStatus(
  url: string,
  headers: Record<string, string>,
  status: number,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<{ ms: number; response: Response }> {
  const began = performance.now();
  for (;;) {
    const response = await check(url, headers);
    await response.arrayBuffer();
    if (response.status === status) return { ms: performance.now() - began, response };
    if (performance.now() - began > timeoutMs) {
      throw new Error(`check never answered ${status} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

describe('exfilguard enforce against the real broker', () => {
  // One enforcer with session cookie and user header, shared by the identity cases.
  let topic: string;
  let main: RunningEnforcer;
  beforeAll(async () => {
    topic = uniqueName('lockouts');
    await createTopic(brokers, topic);
    main = await enforceCaughtUp(topic, {
      EXFILGUARD_ENFORCE_SESSION_COOKIE: 'sid',
      EXFILGUARD_ENFORCE_USER_HEADER: 'x-user',
    });
  });

  it('a locked IPv6 /64 refuses another address in the same /64, not one in the next /64', async () => {
    const lockout = await publishLockout(topic, {
      scope: 'ip',
      subject: '2001:db8:1:2::/64',
      ttlMs: 600_000,
    });
    const { response } = await untilStatus(main.url, client('2001:db8:1:2::ffff'), 403);
    expect(response.headers.get('x-exfilguard-lockout-id')).toBe(lockout.id);
    expect(response.headers.get('x-exfilguard-scope')).toBe('ip');
    expect((await check(main.url, client('2001:db8:1:3::1'))).status).toBe(200);
  });

  it('a locked session refuses that session cookie from any address', async () => {
    await publishLockout(topic, { scope: 'session', subject: 'c0ffee-session', ttlMs: 600_000 });
    const cookie = { cookie: 'theme=dark; sid=c0ffee-session' };
    const { response } = await untilStatus(main.url, client('192.0.2.10', cookie), 403);
    expect(response.headers.get('x-exfilguard-scope')).toBe('session');
    expect((await check(main.url, client('198.51.100.20', cookie))).status).toBe(403);
    expect((await check(main.url, client('198.51.100.20', { cookie: 'sid=other' }))).status).toBe(
      200,
    );
  });

  it('a locked user is refused through the user header', async () => {
    await publishLockout(topic, { scope: 'user', subject: 'mallory', ttlMs: 600_000 });
    const { response } = await untilStatus(
      main.url,
      client('192.0.2.11', { 'x-user': 'mallory' }),
      403,
    );
    expect(response.headers.get('x-exfilguard-scope')).toBe('user');
    expect((await check(main.url, client('192.0.2.11', { 'x-user': 'alice' }))).status).toBe(200);
  });

  it('a shadow lockout lets the client through and is counted', async () => {
    const parts = { scope: 'ip', subject: '192.0.2.12', rule: 'object-breadth', mode: 'shadow' };
    await publishLockout(topic, { ...parts, ttlMs: 600_000 } as LockoutSpec);
    await waitUntil(
      async () => main.enforcer.table.entriesOf('ip:192.0.2.12').length === 1,
      10_000,
      'the shadow lockout to be read',
    );
    const series = 'exfilguard_enforce_checks_total{outcome="shadow",rule="object-breadth"}';
    const before = await metricValue(main.url, series);
    const response = await check(main.url, client('192.0.2.12'));
    expect(response.status).toBe(200);
    expect(await metricValue(main.url, series)).toBe(before + 1);
  });

  it('after expiresAt the client gets 200', async () => {
    const lockout = await publishLockout(topic, {
      scope: 'ip',
      subject: '192.0.2.13',
      ttlMs: 2000,
    });
    await untilStatus(main.url, client('192.0.2.13'), 403);
    await untilStatus(main.url, client('192.0.2.13'), 200, 10_000);
    const expiresAtMs = Date.parse(lockout.expiresAt);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs);
    expect(Date.now()).toBeLessThan(expiresAtMs + 2000);
  });

  it('a release record restores 200 within 1 s', async () => {
    const lockout = await publishLockout(topic, {
      scope: 'ip',
      subject: '192.0.2.14',
      ttlMs: 600_000,
    });
    await untilStatus(main.url, client('192.0.2.14'), 403);
    await producer.send({
      topic,
      acks: -1,
      messages: [lockoutMessage(lockout, releaseOf(lockout))],
    });
    const { ms } = await untilStatus(main.url, client('192.0.2.14'), 200);
    console.log(`release → first 200: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
  });

  it('a tombstone restores 200 within 1 s', async () => {
    const lockout = await publishLockout(topic, {
      scope: 'ip',
      subject: '192.0.2.15',
      ttlMs: 600_000,
    });
    await untilStatus(main.url, client('192.0.2.15'), 403);
    await producer.send({ topic, acks: -1, messages: [{ key: lockoutKey(lockout), value: null }] });
    const { ms } = await untilStatus(main.url, client('192.0.2.15'), 200);
    console.log(`tombstone → first 200: ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1000);
  });

  it('Retry-After is the seconds to expiresAt; with two rules the later-expiring one is named', async () => {
    // The longer lockout first: the one named is the one ending last, not the latest read.
    const longer = await publishLockout(topic, {
      scope: 'ip',
      subject: '192.0.2.16',
      rule: 'slow-id-scan',
      ttlMs: 7_200_000,
    });
    const shorter = await publishLockout(topic, {
      scope: 'ip',
      subject: '192.0.2.16',
      rule: 'sequential-id-scan',
      ttlMs: 600_000,
    });
    await waitUntil(
      async () => main.enforcer.table.entriesOf('ip:192.0.2.16').length === 2,
      10_000,
      'both lockouts to be read',
    );
    const response = await check(main.url, client('192.0.2.16'));
    expect(response.status).toBe(403);
    expect(response.headers.get('x-exfilguard-rule')).toBe('slow-id-scan');
    expect(response.headers.get('x-exfilguard-lockout-id')).toBe(longer.id);
    const expected = (Date.parse(longer.expiresAt) - Date.now()) / 1000;
    expect(Math.abs(Number(response.headers.get('retry-after')) - expected)).toBeLessThanOrEqual(1);

    // Released, the longer one no longer refuses: the shorter one is named with its own figures.
    await producer.send({ topic, acks: -1, messages: [lockoutMessage(longer, releaseOf(longer))] });
    await waitUntil(
      async () => main.enforcer.table.entriesOf('ip:192.0.2.16').length === 1,
      10_000,
      'the release to be read',
    );
    const after = await check(main.url, client('192.0.2.16'));
    expect(after.status).toBe(403);
    expect(after.headers.get('x-exfilguard-rule')).toBe('sequential-id-scan');
    expect(after.headers.get('x-exfilguard-lockout-id')).toBe(shorter.id);
    const left = (Date.parse(shorter.expiresAt) - Date.now()) / 1000;
    expect(Math.abs(Number(after.headers.get('retry-after')) - left)).toBeLessThanOrEqual(1);
  });

  it('a forged X-Forwarded-For from an untrusted caller is ignored', async () => {
    await publishLockout(topic, { scope: 'ip', subject: '192.0.2.17', ttlMs: 600_000 });
    // Loopback trusted (the default): the header names the client, who is refused.
    await untilStatus(main.url, client('192.0.2.17'), 403);
    // Only 10.0.0.0/8 trusted: this caller (127.0.0.1) is judged by its own address.
    const strict = await enforceCaughtUp(topic, {
      EXFILGUARD_ENFORCE_TRUSTED_PROXIES: '10.0.0.0/8',
    });
    expect(strict.enforcer.table.entriesOf('ip:192.0.2.17')).toHaveLength(1);
    expect((await check(strict.url, client('192.0.2.17'))).status).toBe(200);
    expect((await check(strict.url, client('10.1.1.1, 192.0.2.17'))).status).toBe(200);
  });

  it('a session logged as its SHA-256 is refused when the cookie carries the raw value', async () => {
    const raw = 'raw-session-token-42';
    const hashed = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    await publishLockout(topic, { scope: 'session', subject: hashed, ttlMs: 600_000 });
    const hashing = await enforceCaughtUp(topic, {
      EXFILGUARD_ENFORCE_SESSION_COOKIE: 'sid',
      EXFILGUARD_ENFORCE_SESSION_HASH: 'sha256',
      EXFILGUARD_ENFORCE_SESSION_HASH_LENGTH: '16',
    });
    const response = await check(hashing.url, client('192.0.2.18', { cookie: `sid=${raw}` }));
    expect(response.status).toBe(403);
    // The hash itself in the cookie is not the session (it would be hashed again).
    expect(
      (await check(hashing.url, client('192.0.2.18', { cookie: `sid=${hashed}` }))).status,
    ).toBe(200);
  });
});

describe('exfilguard enforce before and after it has read the topic', () => {
  it('is not ready until caught up on 20,000 lockouts; meanwhile the fail mode answers', async () => {
    const topic = uniqueName('lockouts-backlog');
    await createTopic(brokers, topic);
    const base = Date.now();
    for (let batch = 0; batch < 20; batch++) {
      const messages = Array.from({ length: 1000 }, (_, i) => {
        const n = batch * 1000 + i;
        const record = lockoutRecord({
          scope: 'ip',
          subject: `10.${n >> 16}.${(n >> 8) & 255}.${n & 255}`,
          ttlMs: 600_000,
          nowMs: base,
        });
        return lockoutMessage(record, record);
      });
      await producer.send({ topic, acks: -1, messages });
    }
    // startEnforcer resolves once the consumer runs, before it has read the backlog:
    // the first answers race the reading of 20,000 records (hundreds of ms on this
    // machine, printed below) against one loopback request, so they come before it.
    for (const failMode of ['closed', 'open'] as const) {
      const started = await enforce(topic, { EXFILGUARD_ENFORCE_FAIL_MODE: failMode });
      const [ready, answer] = await Promise.all([
        fetch(`${started.url}/readyz`),
        check(started.url, client('10.0.0.1')),
      ]);
      const body = (await ready.json()) as { table: string; entries: number };
      expect(ready.status).toBe(503);
      expect(body.table).toBe('catching-up');
      expect(body.entries).toBeLessThan(20_000);
      // Closed refuses everyone, open lets everyone through, both saying why.
      expect(answer.status).toBe(failMode === 'closed' ? 403 : 200);
      expect(answer.headers.get('x-exfilguard-degraded')).toBe('catching-up');

      await waitForReadiness(started.url, 200, 30_000);
      console.log(
        `${failMode}: 20,000 lockouts read in ${started.enforcer.subscription.catchUpMs} ms ` +
          `(first /readyz saw ${body.entries} entries)`,
      );
      expect(started.enforcer.table.size).toBe(20_000);
      const locked = await check(started.url, client('10.0.0.1'));
      expect(locked.status).toBe(403);
      expect(locked.headers.get('x-exfilguard-degraded')).toBeNull();
      expect((await check(started.url, client('198.51.100.30'))).status).toBe(200);
      await started.stop();
    }
  }, 120_000);

  it('a transaction left open neither holds readiness back nor refuses until it commits', async () => {
    const topic = uniqueName('lockouts-open-tx');
    await createTopic(brokers, topic);
    await publishLockout(topic, { scope: 'ip', subject: '192.0.2.31', ttlMs: 600_000 });
    // A detector's transaction, open when the enforcer starts: read-committed readers
    // stop before it, and the enforcer's catch-up target is where they can reach (the
    // last stable offset), so it is ready without the uncommitted lockout.
    const transactional = testKafka(brokers).producer({
      transactionalId: uniqueName('detector-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await transactional.connect();
    try {
      const transaction = await transactional.transaction();
      const pending = lockoutRecord({ scope: 'ip', subject: '192.0.2.30', ttlMs: 600_000 });
      await transaction.send({ topic, messages: [lockoutMessage(pending, pending)] });

      const started = await enforce(topic, { EXFILGUARD_ENFORCE_FAIL_MODE: 'closed' });
      await waitForReadiness(started.url, 200, 30_000);
      expect((await check(started.url, client('192.0.2.31'))).status).toBe(403);
      expect((await check(started.url, client('192.0.2.30'))).status).toBe(200);

      await transaction.commit();
      await untilStatus(started.url, client('192.0.2.30'), 403);
    } finally {
      await transactional.disconnect();
    }
  });
  it('a restarted enforcer whose lockouts have all expired holds nothing', async () => {
    const topic = uniqueName('lockouts-expired');
    await createTopic(brokers, topic);
    const specs: LockoutSpec[] = [
      { scope: 'ip', subject: '192.0.2.40', ttlMs: 1500 },
      { scope: 'session', subject: 'expiring-session', ttlMs: 1500 },
      { scope: 'user', subject: 'expiring-user', ttlMs: 1500 },
    ];
    const records = await Promise.all(specs.map((spec) => publishLockout(topic, spec)));
    const env = {
      EXFILGUARD_ENFORCE_SESSION_HEADER: 'x-session',
      EXFILGUARD_ENFORCE_USER_HEADER: 'x-user',
    };
    const requests = [
      client('192.0.2.40'),
      client('192.0.2.41', { 'x-session': 'expiring-session' }),
      client('192.0.2.41', { 'x-user': 'expiring-user' }),
    ];
    const first = await enforceCaughtUp(topic, env);
    expect(first.enforcer.table.size).toBe(3);
    expect((await check(first.url, requests[0])).status).toBe(403);
    await first.stop();

    const lastExpiry = Math.max(...records.map((r) => Date.parse(r.expiresAt)));
    await new Promise((resolve) => setTimeout(resolve, lastExpiry - Date.now() + 100));
    const restarted = await enforce(topic, env);
    await waitForReadiness(restarted.url, 200, 30_000);
    const ready = await fetch(`${restarted.url}/readyz`).then((r) => r.json());
    expect(ready).toMatchObject({ status: 'ready', entries: 0 });
    for (const headers of requests) expect((await check(restarted.url, headers)).status).toBe(200);
  });

  it('invalid records are counted and skipped; a valid lockout after them refuses', async () => {
    const topic = uniqueName('lockouts-invalid');
    await createTopic(brokers, topic);
    const valid = lockoutRecord({ scope: 'ip', subject: '192.0.2.50', ttlMs: 600_000 });
    const v1 = { ...lockoutRecord({ scope: 'ip', subject: '192.0.2.51', ttlMs: 600_000 }) };
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'ip:192.0.2.52', value: 'not json {' },
        // A version-1 record under its v1 key (scope:subject).
        { key: 'ip:192.0.2.51', value: JSON.stringify({ ...v1, version: 1 }) },
        // A tombstone whose key is not rule/mode/scope:subject.
        { key: 'ip:192.0.2.53', value: null },
        lockoutMessage(valid, valid),
      ],
    });
    const started = await enforceCaughtUp(topic);
    expect(await metricValue(started.url, 'exfilguard_enforce_records_total{type="invalid"}')).toBe(
      3,
    );
    expect(await metricValue(started.url, 'exfilguard_enforce_records_total{type="lockout"}')).toBe(
      1,
    );
    expect((await check(started.url, client('192.0.2.50'))).status).toBe(403);
    expect((await check(started.url, client('192.0.2.51'))).status).toBe(200);
  });
});
