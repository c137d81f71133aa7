// `exfilguard enforce` before and after it has read the lockouts topic: readiness and
// the fail mode while catching up, transactions (open, committed, aborted), a restart
// after every lockout lapsed, and records it cannot read. Real broker, HTTP checks
// (test/support/enforcer.ts).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { check, client, EnforceHarness, untilStatus } from '../support/enforcer.js';
import { createTopic, uniqueName } from '../support/kafka.js';
import {
  lockoutMessage,
  lockoutProducer,
  lockoutRecord,
  type LockoutSpec,
} from '../support/lockouts.js';
import { metricValue, waitForReadiness } from '../support/metrics.js';

const harness = new EnforceHarness(inject('kafkaBrokers'));
const brokers = inject('kafkaBrokers');
const { enforce, enforceCaughtUp, publishLockout } = harness;
beforeAll(harness.open);
afterAll(harness.close);

describe('exfilguard enforce before and after it has read the topic', () => {
  it('is not ready until caught up on 20,000 lockouts; meanwhile the fail mode answers', async () => {
    const topic = uniqueName('lockouts-backlog');
    // Three partitions (records spread by key): caught up means every one read to its end.
    await createTopic(brokers, topic, 3);
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
      await harness.producer.send({ topic, acks: -1, messages });
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
    const transactional = await lockoutProducer(brokers, uniqueName('detector-tx'));
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
  it('catches up on a topic that ends in transaction markers (committed, then aborted)', async () => {
    const topic = uniqueName('lockouts-markers');
    await createTopic(brokers, topic);
    // As the detector writes: each publication a transaction, so each partition ends in
    // a commit (or abort) marker that readers never see as a record but must read past.
    const transactional = await lockoutProducer(brokers, uniqueName('detector-tx'));
    try {
      const committed = lockoutRecord({ scope: 'ip', subject: '192.0.2.32', ttlMs: 600_000 });
      const aborted = lockoutRecord({ scope: 'ip', subject: '192.0.2.33', ttlMs: 600_000 });
      for (const [record, end] of [
        [committed, 'commit'],
        [aborted, 'abort'],
      ] as const) {
        const transaction = await transactional.transaction();
        await transaction.send({ topic, messages: [lockoutMessage(record, record)] });
        await transaction[end]();
      }
    } finally {
      await transactional.disconnect();
    }
    const started = await enforce(topic);
    await waitForReadiness(started.url, 200, 15_000);
    expect((await check(started.url, client('192.0.2.32'))).status).toBe(403);
    expect((await check(started.url, client('192.0.2.33'))).status).toBe(200);
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
    await harness.producer.send({
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
