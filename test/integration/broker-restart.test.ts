// A broker restart mid-stream: the detector sees it (not ready while the broker is
// away), reconnects and continues; nothing consumed is lost and no lockout is
// announced twice. Runs its own broker (from the Maven jars), since it stops and starts it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalKafka } from '../../scripts/kafka/local-kafka.js';
import type { RunningDetector } from '../../src/service/detector-service.js';
import {
  collectTopic,
  detectorSetup,
  produceOverTime,
  startInProcess,
  waitFor,
} from '../support/detector.js';
import { warmUpConsumerGroups } from '../support/kafka.js';
import { metricValue, VALID_EVENTS, waitForReadiness, waitUntil } from '../support/metrics.js';
import {
  expectedLockouts,
  expectReferenceLockouts,
  faultWorkload,
  routeFedRules,
  settleOnReference,
  scannersLockedOut,
} from '../support/workload.js';

const redisUrl = inject('redisUrl');
// Rules fed by a whole route: held to a weaker check than exact equality (workload.ts).
const routeFed = await routeFedRules();

describe('broker restart', { timeout: 150_000 }, () => {
  let kafka: LocalKafka;
  beforeAll(async () => {
    kafka = await LocalKafka.start();
    await warmUpConsumerGroups(kafka.brokers);
  });
  afterAll(async () => {
    await kafka.stop();
  });

  it('reconnects and continues: same lockouts, every event consumed', async () => {
    const events = faultWorkload(Date.now(), 16, 3000);
    const expected = await expectedLockouts(events);
    expect(scannersLockedOut(expected, 16)).toBe(16);
    const half = Math.floor(events.length / 2);
    const setup = await detectorSetup(kafka.brokers, redisUrl, { partitions: 2 });
    const lockouts = await collectTopic(kafka.brokers, setup.topics.lockouts);
    let detector: RunningDetector | undefined;
    try {
      detector = await startInProcess(setup);
      const { url } = detector;
      await waitForReadiness(url, 200);
      await produceOverTime(kafka.brokers, setup.topics.input, events.slice(0, half), {
        chunk: 300,
        everyMs: 20,
      });
      await waitUntil(
        async () => (await metricValue(url, VALID_EVENTS)) >= half,
        30_000,
        'the first half consumed',
      );
      await waitFor(() => lockouts.received.length >= 1, 15_000, 'the first lockouts');
      const atStop = lockouts.received.length;
      const consumedBefore = await metricValue(url, VALID_EVENTS);

      await kafka.pause();
      await waitForReadiness(url, 503, 30_000);
      await kafka.resume();
      await waitForReadiness(url, 200, 60_000);
      await produceOverTime(kafka.brokers, setup.topics.input, events.slice(half), {
        chunk: 300,
        everyMs: 20,
      });
      await settleOnReference(lockouts.received, expected, routeFed, 60_000, 2000);
      await waitUntil(
        async () => (await metricValue(url, VALID_EVENTS)) >= events.length,
        30_000,
        'every event consumed',
      );

      expect(atStop, 'lockouts out when the broker stopped').toBeLessThan(expected.length);
      // The second half, produced after the restart, was consumed after it.
      const consumedAfter = (await metricValue(url, VALID_EVENTS)) - consumedBefore;
      expect(consumedAfter).toBeGreaterThanOrEqual(events.length - half);
      expectReferenceLockouts(lockouts.received, expected, routeFed, 16);
    } finally {
      await detector?.stop();
      await lockouts.stop();
    }
  });
});
