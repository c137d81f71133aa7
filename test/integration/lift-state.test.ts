// An operator lifts a live lockout through the admin API (issue 12, item 2, end to end):
// a detector in process, with its admin port, locks a scanning address; `exfilguard
// enforce` refuses it; the lift publishes the release (the client passes again within
// a second) and clears the detector's state with a grace. The scan continued within the
// grace locks nobody (without the grace, slow-id-scan would lock it as its ids add up);
// resumed after it, it is locked again by sequential-id-scan (without the lift, its first
// lockout of an hour would suppress it) and refused again.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningDetector } from '../../src/service/detector-service.js';
import {
  collectTopic,
  detectorSetup,
  lockoutsOf,
  produceEvents,
  scanEvents,
  startInProcess,
  waitFor,
  type DetectorSetup,
} from '../support/detector.js';
import { client, EnforceHarness, untilStatus } from '../support/enforcer.js';
import { uniqueName } from '../support/kafka.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

const IP = '203.0.113.91';
const GRACE_MS = 5_000;
const TOKEN = randomBytes(32).toString('hex');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a lift of a live lockout through the admin API', () => {
  let setup: DetectorSetup;
  let detector: RunningDetector;
  const harness = new EnforceHarness(brokers);

  beforeAll(async () => {
    setup = await detectorSetup(brokers, redisUrl, {
      env: {
        EXFILGUARD_ADMIN_PORT: '0',
        EXFILGUARD_ADMIN_TOKENS: `soc:operator:${createHash('sha256').update(TOKEN).digest('hex')}`,
        EXFILGUARD_AUDIT_TOPIC: uniqueName('audit'),
      },
    });
    detector = await startInProcess(setup);
    await harness.open();
  });
  afterAll(async () => {
    await harness.close();
    await detector.stop();
  });

  it('lets the client through within 1 s, locks nobody within the grace, and locks the resumed scan again', async () => {
    const enforce = await harness.enforceCaughtUp(setup.topics.lockouts);
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    try {
      await produceEvents(brokers, setup.topics.input, scanEvents(IP, 80, Date.now(), 50, 1000));
      await waitFor(() => lockouts.received.length >= 1, 15_000, 'the first lockout');
      const [first] = lockoutsOf(lockouts.received);
      expect(first).toMatchObject({ rule: 'sequential-id-scan', subject: IP });
      await untilStatus(enforce.url, client(IP), 403);

      const liftedAt = Date.now();
      const answer = await fetch(`${detector.adminUrl}/v1/lockouts/${first!.id}/lift`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'a customer’s sync job', grace: `${GRACE_MS / 1000}s` }),
      });
      expect(answer.status).toBe(200);
      const { released } = (await answer.json()) as { released: { releases?: string }[] };
      expect(released.map((r) => r.releases)).toContain(first!.id);
      const { ms } = await untilStatus(enforce.url, client(IP), 200, 1000);
      process.stdout.write(`lift answered → first 200 from enforce: ${Math.round(ms)} ms\n`);
      const graceUntilMs = liftedAt + GRACE_MS;

      // The same scan continued within the grace: more than enough ids to fire again.
      const continued = scanEvents(IP, 80, Date.now(), 20, 1080);
      expect(continued.at(-1)!.ts).toBeLessThan(graceUntilMs);
      await produceEvents(brokers, setup.topics.input, continued);
      // Whenever they are processed, their event times lie within the grace.
      await sleep(graceUntilMs - Date.now() + 500);
      // The topic now holds the release too: read its lockout records only.
      const lockoutsOnly = () =>
        lockoutsOf(
          lockouts.received.filter(
            (r) =>
              r.message.value &&
              (JSON.parse(r.message.value.toString()) as { type: string }).type === 'lockout',
          ),
        );
      expect(lockoutsOnly()).toHaveLength(1);
      expect((await fetch(`${enforce.url}/v1/check`, { headers: client(IP) })).status).toBe(200);

      const resumedAt = Date.now();
      await produceEvents(brokers, setup.topics.input, scanEvents(IP, 80, resumedAt, 50, 1160));
      // The resumed scan may also fill slow-id-scan's window: which comes first is a race.
      const relocked = () =>
        lockoutsOnly().find((l) => l.rule === 'sequential-id-scan' && l.id !== first!.id);
      await waitFor(() => relocked() !== undefined, 15_000, 'a lockout after the grace');
      expect(Date.parse(relocked()!.eventTime)).toBeGreaterThanOrEqual(graceUntilMs);
      await untilStatus(enforce.url, client(IP), 403, 5000);
      expect(Date.now() - resumedAt).toBeLessThan(20_000);
    } finally {
      await lockouts.stop();
    }
  }, 60_000);
});
