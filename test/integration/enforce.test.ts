// `exfilguard enforce` against the real broker, through its HTTP check endpoint, as a
// gateway calls it (test/support/enforcer.ts): who is refused, who is not, and how soon
// a release takes effect. Records are written straight to the lockouts topic
// (contract 2), as the detector or an operator would publish them.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lockoutKey } from '../../src/decide/lockout.js';
import type { RunningEnforcer } from '../../src/service/enforcer-service.js';
import { check, client, EnforceHarness, untilStatus } from '../support/enforcer.js';
import { createTopic, uniqueName } from '../support/kafka.js';
import { lockoutMessage, releaseOf, type LockoutSpec } from '../support/lockouts.js';
import { metricValue, waitUntil } from '../support/metrics.js';

const harness = new EnforceHarness(inject('kafkaBrokers'));
const brokers = inject('kafkaBrokers');
const { enforceCaughtUp, publishLockout } = harness;
beforeAll(harness.open);
afterAll(harness.close);

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
    await harness.producer.send({
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
    await harness.producer.send({
      topic,
      acks: -1,
      messages: [{ key: lockoutKey(lockout), value: null }],
    });
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
    await harness.producer.send({
      topic,
      acks: -1,
      messages: [lockoutMessage(longer, releaseOf(longer))],
    });
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
