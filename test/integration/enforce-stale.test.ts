// The broker lost after catch-up: once no fetch has succeeded for
// EXFILGUARD_ENFORCE_STALE_AFTER the table is stale, /readyz says so, and the fail mode
// answers — `open` keeps refusing what the table holds (it was right at the last fetch
// and its entries still lapse on time) and lets the rest through; `closed` refuses every
// request. When the broker returns, both are current again. Runs its own broker, since
// it stops and restarts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKafka } from '../../scripts/kafka/local-kafka.js';
import { check, client, EnforceHarness, untilStatus } from '../support/enforcer.js';
import { createTopic, uniqueName, warmUpConsumerGroups } from '../support/kafka.js';

async function readiness(url: string): Promise<{ status: number; table: string }> {
  const response = await fetch(`${url}/readyz`);
  const body = (await response.json()) as { table: string };
  return { status: response.status, table: body.table };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`not reached within ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('an enforcer that loses the broker', { timeout: 120_000 }, () => {
  let kafka: LocalKafka;
  let harness: EnforceHarness;
  beforeAll(async () => {
    kafka = await LocalKafka.start();
    await warmUpConsumerGroups(kafka.brokers);
    harness = new EnforceHarness(kafka.brokers);
    await harness.open();
  });
  afterAll(async () => {
    await harness?.close();
    await kafka?.stop();
  });

  it('turns stale after the limit, answers by its fail mode, and recovers', async () => {
    const topic = uniqueName('stale.lockouts');
    await createTopic(kafka.brokers, topic, 2);
    await harness.publishLockout(topic, { scope: 'ip', subject: '203.0.113.90', ttlMs: 600_000 });
    const settings = { EXFILGUARD_ENFORCE_STALE_AFTER: '2s' };
    const open = await harness.enforceCaughtUp(topic, settings);
    const closed = await harness.enforceCaughtUp(topic, {
      ...settings,
      EXFILGUARD_ENFORCE_FAIL_MODE: 'closed',
    });
    for (const { url } of [open, closed]) {
      await untilStatus(url, client('203.0.113.90'), 403);
      expect((await check(url, client('198.51.100.1'))).status).toBe(200);
      expect(await readiness(url)).toEqual({ status: 200, table: 'current' });
    }

    await kafka.pause();
    for (const { url } of [open, closed]) {
      await until(
        () => readiness(url),
        (r) => r.table === 'stale',
        20_000,
      );
      expect((await readiness(url)).status).toBe(503);
    }
    // Open: the table still refuses what it holds; everyone else passes.
    expect((await check(open.url, client('203.0.113.90'))).status).toBe(403);
    expect((await check(open.url, client('198.51.100.1'))).status).toBe(200);
    // Closed: nobody passes while the table cannot be vouched for.
    const refused = await check(closed.url, client('198.51.100.1'));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-exfilguard-degraded')).toBe('stale');
    expect(refused.headers.get('retry-after')).toBe('5');

    await kafka.resume();
    for (const { url } of [open, closed]) {
      await until(
        () => readiness(url),
        (r) => r.status === 200,
        60_000,
      );
    }
    expect((await check(closed.url, client('198.51.100.1'))).status).toBe(200);
    expect((await check(closed.url, client('203.0.113.90'))).status).toBe(403);
  });
});
