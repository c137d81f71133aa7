// A real nginx in front of an application, with auth_request to `exfilguard enforce`:
// the example under examples/gateways/nginx run as it is. The detector locks out id
// scans produced to the input topic, enforce reads its lockouts topic, and nginx refuses
// the scanner while other clients get through; IPv6 prefixes, session cookies, shadow
// lockouts, releases and expiry behave through nginx as in enforce; a forged
// X-Forwarded-For changes nothing; with enforce unreachable nginx's own configuration
// fails closed (500) or open.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEnforceConfig } from '../../src/config.js';
import { lockoutCommandSchema, releaseCommand } from '../../src/decide/lockout.js';
import { createLogger } from '../../src/log.js';
import type { RunningDetector } from '../../src/service/detector-service.js';
import { startEnforcer, type RunningEnforcer } from '../../src/service/enforcer-service.js';
import { freePort } from '../../scripts/lib/service-process.js';
import {
  collectTopic,
  detectorSetup,
  produceEvents,
  scanEvents,
  startInProcess,
  waitFor,
  type DetectorSetup,
} from '../support/detector.js';
import { createTopic, uniqueName } from '../support/kafka.js';
import { publishLockoutRecords, testLockout } from '../support/lockouts.js';
import {
  startNginxExample,
  startUpstream,
  type RunningNginx,
  type RunningUpstream,
} from '../support/nginx.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

const TRIALS = 20;
const POLL_MS = 20;

/** One request through a gateway as the client `forwardedFor` (what the load balancer wrote). */
async function request(
  baseUrl: string,
  forwardedFor: string,
  cookie?: string,
): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(`${baseUrl}/api/users/1`, {
    headers: { 'x-forwarded-for': forwardedFor, ...(cookie !== undefined && { cookie }) },
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function startEnforce(topic: string, env: Record<string, string> = {}) {
  const config = loadEnforceConfig({
    EXFILGUARD_KAFKA_BROKERS: brokers.join(','),
    EXFILGUARD_LOCKOUT_TOPIC: topic,
    EXFILGUARD_LOG_LEVEL: 'error',
    EXFILGUARD_ENFORCE_PORT: '0',
    ...env,
  });
  const running = await startEnforcer(config, createLogger(config.logLevel));
  await running.enforcer.untilCaughtUp();
  return running;
}

/** Polls nginx every POLL_MS until `client` gets `status`; the time it did. */
async function until(
  baseUrl: string,
  client: string,
  status: number,
  timeoutMs: number,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while ((await request(baseUrl, client)).status !== status) {
    if (Date.now() > deadline)
      throw new Error(`${client} did not get ${status} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return Date.now();
}

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function distribution(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const [p50, p90, p99] = [0.5, 0.9, 0.99].map((p) => percentile(sorted, p));
  return `p50 ${p50} ms, p90 ${p90} ms, p99 ${p99} ms, max ${sorted.at(-1)} ms`;
}

describe('nginx auth_request to exfilguard enforce', () => {
  let setup: DetectorSetup;
  let detector: RunningDetector;
  let enforce: RunningEnforcer;
  let upstream: RunningUpstream;
  let nginx: RunningNginx;

  beforeAll(async () => {
    setup = await detectorSetup(brokers, redisUrl);
    [detector, enforce, upstream] = await Promise.all([
      startInProcess(setup),
      startEnforce(setup.topics.lockouts, { EXFILGUARD_ENFORCE_SESSION_COOKIE: 'sid' }),
      startUpstream(),
    ]);
    nginx = await startNginxExample({
      appAddr: upstream.addr,
      enforceAddr: new URL(enforce.url).host,
    });
  });
  afterAll(async () => {
    await Promise.allSettled([nginx?.stop(), enforce?.stop(), detector?.stop(), upstream?.stop()]);
  });

  it(`refuses ${TRIALS} scanning clients within 3 s of their lockout's publication, and no one else`, async () => {
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    // A bystander asking all along: never refused.
    const bystander: number[] = [];
    let trialsRunning = true;
    const asking = (async () => {
      while (trialsRunning) {
        bystander.push((await request(nginx.url, '192.0.2.10')).status);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    })();
    const fromPublication: number[] = [];
    const fromProduction: number[] = [];
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const client = `10.44.${trial}.7`;
        expect((await request(nginx.url, client)).status).toBe(200);
        // Polled from before the scan is produced until the first refusal.
        const firstRefusal = (async () => {
          const deadline = Date.now() + 15_000;
          while (Date.now() < deadline) {
            const answer = await request(nginx.url, client);
            if (answer.status === 403) return { at: Date.now(), headers: answer.headers };
            expect(answer.status).toBe(200);
            await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          }
          throw new Error(`${client} was not refused within 15 s`);
        })();
        // Events 1 ms apart: the 51st, which triggers the lockout, is in the same send.
        const producedAt = await produceEvents(
          brokers,
          setup.topics.input,
          scanEvents(client, 60, Date.now(), 1),
        );
        const refused = await firstRefusal;
        const lockoutOf = () =>
          lockouts.received.find((r) =>
            r.message.value!.toString().includes(`"subject":"${client}"`),
          );
        await waitFor(() => lockoutOf() !== undefined, 5000, `the lockout of ${client}`);
        const record = lockoutOf()!;
        const lockout = lockoutCommandSchema.parse(JSON.parse(record.message.value!.toString()));
        // Published when the detector's producer stamped it (CreateTime), which is no later
        // than when this test's consumer read it.
        const publishedAt = Math.min(Number(record.message.timestamp), record.receivedAt);
        fromPublication.push(refused.at - publishedAt);
        fromProduction.push(refused.at - producedAt);
        expect(refused.at - publishedAt).toBeLessThan(3000);
        // What nginx passes on from enforce's refusal.
        expect(refused.headers.get('x-exfilguard-rule')).toBe('sequential-id-scan');
        expect(refused.headers.get('x-exfilguard-scope')).toBe('ip');
        expect(refused.headers.get('x-exfilguard-lockout-id')).toBe(lockout.id);
        const retryAfter = Number(refused.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(lockout.ttlSeconds - 60);
        expect(retryAfter).toBeLessThanOrEqual(lockout.ttlSeconds);
      }
    } finally {
      trialsRunning = false;
      await asking;
      await lockouts.stop();
    }
    process.stderr.write(
      `[nginx-gateway] ${TRIALS} trials, lockout published → first 403 from nginx: ` +
        `${distribution(fromPublication)}\n` +
        `[nginx-gateway] ${TRIALS} trials, triggering event produced → first 403 from nginx: ` +
        `${distribution(fromProduction)}\n`,
    );
    expect(bystander.length).toBeGreaterThan(TRIALS);
    expect(bystander.filter((status) => status !== 200)).toEqual([]);
  }, 90_000);

  it('believes only the hop its trusted proxy wrote, not a forged X-Forwarded-For', async () => {
    const locked = '203.0.113.66';
    await publishLockoutRecords(brokers, setup.topics.lockouts, [testLockout('ip', locked)]);
    // The load balancer saw the locked address: refused, by both servers (failing open is
    // for an unreachable enforce, not for a refusal).
    await waitFor(
      () =>
        enforce.enforcer.check({
          remoteAddress: '127.0.0.1',
          headers: { 'x-forwarded-for': locked },
        }).status === 403,
      5000,
      'the lockout in force',
    );
    for (const url of [nginx.url, nginx.failOpenUrl]) {
      expect((await request(url, locked)).status).toBe(403);
      // The client wrote the locked address itself, left of what the load balancer saw.
      expect((await request(url, `${locked}, 198.51.100.9`)).status).toBe(200);
    }

    // enforce called directly by a caller outside its trusted proxies: its header is
    // ignored and it is judged by its own address (127.0.0.1, not locked).
    const untrusting = await startEnforce(setup.topics.lockouts, {
      EXFILGUARD_ENFORCE_TRUSTED_PROXIES: '10.0.0.0/8',
    });
    try {
      const check = (base: string) =>
        fetch(`${base}/v1/check`, { headers: { 'x-forwarded-for': locked } }).then((r) => r.status);
      expect(await check(untrusting.url)).toBe(200);
      // The same request to an enforce that trusts loopback: refused.
      expect(await check(enforce.url)).toBe(403);
    } finally {
      await untrusting.stop();
    }
  });

  it('refuses an IPv6 /64 and a session from any address, not a shadow lockout; release and expiry restore 200', async () => {
    const released = testLockout('ip', '198.51.100.66');
    const expiring = testLockout('ip', '198.51.100.77', { ttlSeconds: 4 });
    await publishLockoutRecords(brokers, setup.topics.lockouts, [
      testLockout('ip', '2001:db8:77:1::/64'),
      testLockout('session', 'sess-locked-1'),
      testLockout('ip', '198.51.100.55', { mode: 'shadow' }),
      released,
      expiring,
    ]);
    // The records may lie on either partition: wait until enforce has read all five.
    const outcome = (forwardedFor: string, cookie?: string) =>
      enforce.enforcer.check({
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': forwardedFor, ...(cookie !== undefined && { cookie }) },
      }).outcome;
    await waitFor(
      () =>
        ['198.51.100.66', '198.51.100.77', '2001:db8:77:1::1'].every(
          (ip) => outcome(ip) === 'refused',
        ) &&
        outcome('192.0.2.1', 'sid=sess-locked-1') === 'refused' &&
        outcome('198.51.100.55') === 'shadow',
      5000,
      'the five records read',
    );
    expect((await request(nginx.url, '198.51.100.66')).status).toBe(403);
    expect((await request(nginx.url, '198.51.100.77')).status).toBe(403);

    const inPrefix = await request(nginx.url, '2001:db8:77:1::abcd');
    expect(inPrefix.status).toBe(403);
    expect(inPrefix.headers.get('x-exfilguard-scope')).toBe('ip');
    expect((await request(nginx.url, '2001:db8:77:2::abcd')).status).toBe(200);
    // The session cookie passes through the subrequest; the address is not locked.
    const session = await request(nginx.url, '192.0.2.30', 'theme=dark; sid=sess-locked-1');
    expect(session.status).toBe(403);
    expect(session.headers.get('x-exfilguard-scope')).toBe('session');
    expect((await request(nginx.url, '192.0.2.30', 'sid=another')).status).toBe(200);
    expect((await request(nginx.url, '198.51.100.55')).status).toBe(200);

    await publishLockoutRecords(brokers, setup.topics.lockouts, [
      releaseCommand(released, { releasedBy: 'nginx-gateway test', reason: 'a test' }, Date.now()),
    ]);
    const releasedAt = Date.now(); // acknowledged by every replica: on the topic
    expect((await until(nginx.url, '198.51.100.66', 200, 5000)) - releasedAt).toBeLessThan(1000);

    // Expiry publishes nothing: enforce drops the entry at expiresAt by itself.
    const expiredAt = await until(nginx.url, '198.51.100.77', 200, 5000);
    expect(expiredAt).toBeGreaterThanOrEqual(Date.parse(expiring.expiresAt));
    expect(expiredAt - Date.parse(expiring.expiresAt)).toBeLessThan(1000);
  });

  it('with enforce stopped nginx answers 500; restarted after its lockouts expired, enforce holds nothing', async () => {
    // An enforce of its own on a port nginx knows in advance, so it can come back there.
    const topic = uniqueName('nginx-lockouts');
    await createTopic(brokers, topic, 2);
    const port = await freePort();
    const env = { EXFILGUARD_ENFORCE_PORT: String(port) };
    const client = '198.51.100.88';
    const lockout = testLockout('ip', client, { ttlSeconds: 3 });
    await publishLockoutRecords(brokers, topic, [lockout]);
    let restarted: RunningEnforcer | undefined;
    let first: RunningEnforcer | undefined = await startEnforce(topic, env);
    const own = await startNginxExample({
      appAddr: upstream.addr,
      enforceAddr: `127.0.0.1:${port}`,
    });
    try {
      expect(first.enforcer.table.size).toBe(1);
      expect((await request(own.url, client)).status).toBe(403);
      await first.stop();
      first = undefined;
      expect((await request(own.url, client)).status).toBe(500);
      expect((await request(own.failOpenUrl, client)).status).toBe(200);

      await new Promise((resolve) =>
        setTimeout(resolve, Date.parse(lockout.expiresAt) - Date.now() + 50),
      );
      restarted = await startEnforce(topic, env);
      expect(restarted.enforcer.table.size).toBe(0);
      expect((await request(own.url, client)).status).toBe(200);
    } finally {
      await Promise.allSettled([own.stop(), first?.stop(), restarted?.stop()]);
    }
  });

  it('with enforce unreachable, fails closed (500) by default and open with error_page … = @allow', async () => {
    const orphan = await startNginxExample({
      appAddr: upstream.addr,
      enforceAddr: `127.0.0.1:${await freePort()}`,
    });
    try {
      const closed = await request(orphan.url, '192.0.2.20');
      expect(closed.status).toBe(500);
      const open = await request(orphan.failOpenUrl, '192.0.2.20');
      expect(open.status).toBe(200);
      expect(open.body).toBe('app\n');
    } finally {
      await orphan.stop();
    }
  });
});
