// The detector's state follows an operator's lift (issue 12, item 2): a detector in
// process locks a scanning address; a lift through a RedisWindowStore on the same Redis
// and key secret (what the admin API does) clears its state and holds a grace. The
// scan continued within the grace locks nobody (without the grace, slow-id-scan would
// lock it as its ids add up); resumed after it, it is locked again by
// sequential-id-scan (without the lift, its first lockout of an hour would suppress it).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningDetector } from '../../src/service/detector-service.js';
import { RedisWindowStore } from '../../src/window/redis-store.js';
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
import { redisConnector } from '../support/redis-connections.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');
const connect = redisConnector();

const IP = '203.0.113.91';
const GRACE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a lift of a live lockout, in the detector state', () => {
  let setup: DetectorSetup;
  let detector: RunningDetector;

  beforeAll(async () => {
    setup = await detectorSetup(brokers, redisUrl);
    detector = await startInProcess(setup);
  });
  afterAll(async () => {
    await detector.stop();
  });

  it('locks nobody again within the grace, and locks the resumed scan after it within seconds', async () => {
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    try {
      await produceEvents(brokers, setup.topics.input, scanEvents(IP, 80, Date.now(), 50, 1000));
      await waitFor(() => lockouts.received.length >= 1, 15_000, 'the first lockout');
      const [first] = lockoutsOf(lockouts.received);
      expect(first).toMatchObject({ rule: 'sequential-id-scan', subject: IP });

      // What the admin API does on a lift of every rule of ip:IP.
      const store = new RedisWindowStore(connect(), setup.env.EXFILGUARD_KEY_SECRET!);
      const graceUntilMs = Date.now() + GRACE_MS;
      await store.lift({ scope: 'ip', subject: IP, graceUntilMs });

      // The same scan continued within the grace: more than enough ids to fire again.
      const continued = scanEvents(IP, 80, Date.now(), 20, 1080);
      expect(continued.at(-1)!.ts).toBeLessThan(graceUntilMs);
      await produceEvents(brokers, setup.topics.input, continued);
      // Whenever they are processed, their event times lie within the grace.
      await sleep(graceUntilMs - Date.now() + 200);
      expect(lockouts.received).toHaveLength(1);

      const resumedAt = Date.now();
      await produceEvents(brokers, setup.topics.input, scanEvents(IP, 80, resumedAt, 50, 1160));
      // The resumed scan may also fill slow-id-scan's window: which comes first is a race.
      const relocked = () =>
        lockouts.received.findIndex(
          (r, i) => i > 0 && lockoutsOf([r])[0]!.rule === 'sequential-id-scan',
        );
      await waitFor(() => relocked() > 0, 15_000, 'a sequential-id-scan lockout after the grace');
      expect(lockouts.received[relocked()]!.receivedAt - resumedAt).toBeLessThan(15_000);
      const later = lockoutsOf(lockouts.received.slice(1));
      for (const lockout of later) {
        expect(lockout.subject).toBe(IP);
        expect(Date.parse(lockout.eventTime)).toBeGreaterThanOrEqual(graceUntilMs);
        // A new lockout, not the first published again.
        expect(lockout.id).not.toBe(first!.id);
      }
    } finally {
      await lockouts.stop();
    }
  }, 40_000);
});
