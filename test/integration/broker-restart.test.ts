// A broker restart mid-stream: the detector reconnects and continues; nothing
// consumed is lost and no lockout is announced twice. Runs its own broker (from the
// Maven jars), since it stops and starts it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalKafka } from '../../scripts/kafka/local-kafka.js';
import type { RunningDetector } from '../../src/run/detector.js';
import {
  collectTopic,
  detectorSetup,
  produceOverTime,
  receivedLockouts,
  settle,
  startInProcess,
} from '../support/detector.js';
import { warmUpConsumerGroups } from '../support/kafka.js';
import { expectedLockouts, faultWorkload } from '../support/workload.js';

const redisUrl = inject('redisUrl');

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
    const half = Math.floor(events.length / 2);
    const setup = await detectorSetup(kafka.brokers, redisUrl, { partitions: 2 });
    let detector: RunningDetector | undefined;
    try {
      detector = await startInProcess(setup);
      await produceOverTime(kafka.brokers, setup.topics.input, events.slice(0, half), {
        chunk: 300,
        everyMs: 20,
      });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await kafka.pause();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await kafka.resume();
      await produceOverTime(kafka.brokers, setup.topics.input, events.slice(half), {
        chunk: 300,
        everyMs: 20,
      });

      const lockouts = await collectTopic(kafka.brokers, setup.topics.lockouts);
      try {
        await settle(lockouts.received, expected.length, 60_000, 2000);
        expect(receivedLockouts(lockouts.received)).toEqual(expected);
      } finally {
        await lockouts.stop();
      }
      const scrape = await fetch(`${detector.url}/metrics`).then((r) => r.text());
      const consumed = scrape
        .split('\n')
        .find((l) => l.startsWith('exfilguard_events_total{outcome="valid"'));
      expect(Number(consumed?.split(' ').at(-1))).toBeGreaterThanOrEqual(events.length);
    } finally {
      await detector?.stop();
    }
  });
});
