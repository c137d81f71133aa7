// Event time on the Kafka path (issue 9, items 4 and 14), through the real broker and
// Redis: an event dated in the future must not blind an actor's windows, and events
// days behind their partition must not be judged as live (while a backlog still is).
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { AccessEvent } from '../../src/event/access-event.js';
import type { RunningDetector } from '../../src/service/detector-service.js';
import {
  collectTopic,
  detectorSetup,
  scanEvents,
  settle,
  startInProcess,
  waitFor,
  type DetectorSetup,
} from '../support/detector.js';
import { metricValue, produceToPartition } from '../support/partitions.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');
const DAY = 86_400_000;

function produceTo(setup: DetectorSetup, partition: number, events: AccessEvent[]) {
  const records = events.map((e) => ({ key: e.ip, value: JSON.stringify(e) }));
  return produceToPartition(brokers, setup.topics.input, partition, records);
}

function subjectsOf(received: { message: { value: Buffer | null } }[]): string[] {
  return received.map(
    (r) => (JSON.parse(r.message.value!.toString()) as { subject: string }).subject,
  );
}

async function scrape(detector: RunningDetector): Promise<string> {
  return fetch(`${detector.url}/metrics`).then((r) => r.text());
}

describe('event time on the Kafka path', () => {
  let detector: RunningDetector | undefined;
  afterEach(async () => {
    await detector?.stop();
    detector = undefined;
  });

  it('locks out a scan that follows an event dated in 2199, or 3 hours ahead (item 4)', async () => {
    const setup = await detectorSetup(brokers, redisUrl);
    detector = await startInProcess(setup);
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    try {
      const now = Date.now();
      const ahead = { 0: Date.UTC(2199, 0, 1), 1: now + 3 * 3_600_000 } as const;
      for (const [partition, ts] of Object.entries(ahead)) {
        const ip = `203.0.113.${140 + Number(partition)}`;
        const future = { ...scanEvents(ip, 1, ts, 0, 999_999)[0]! };
        await produceTo(setup, Number(partition), [future, ...scanEvents(ip, 200, now, 50)]);
      }
      const locked = () => new Set(subjectsOf(lockouts.received));
      await waitFor(() => locked().size >= 2, 30_000, 'lockouts of both scanners');
      expect([...locked()].sort()).toEqual(['203.0.113.140', '203.0.113.141']);
      expect(metricValue(await scrape(detector), 'exfilguard_future_events_total')).toBe(2);
    } finally {
      await lockouts.stop();
    }
  });

  it('dead-letters events days behind their partition, judges a backlog, keeps both out of the latency (item 14)', async () => {
    const setup = await detectorSetup(brokers, redisUrl);
    detector = await startInProcess(setup);
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    const dlq = await collectTopic(brokers, setup.topics.deadLetters);
    try {
      const now = Date.now();
      const live = scanEvents('198.51.100.150', 1, now)[0]!;
      // Partition 0 is live; a scan from three days ago re-sent into it is not judged.
      await produceTo(setup, 0, [live, ...scanEvents('198.51.100.151', 80, now - 3 * DAY)]);
      // Partition 1 carries only a three-day-old backlog: judged, in order.
      await produceTo(setup, 1, scanEvents('198.51.100.152', 80, now - 3 * DAY));

      await settle(dlq.received, 80, 30_000);
      await settle(lockouts.received, 1, 30_000);
      expect(subjectsOf(lockouts.received)).toEqual(['198.51.100.152']);
      expect(dlq.received).toHaveLength(80);
      for (const { message } of dlq.received) {
        expect(message.headers!['exfilguard.error.code']!.toString()).toBe('EVENT_TOO_LATE');
        expect(message.headers!['exfilguard.error.message']!.toString()).toMatch(
          /^event time (3d 0h|2d 23h) behind the newest event of its partition, over EXFILGUARD_MAX_LATENESS \(1h 0m\)/,
        );
      }
      const text = await scrape(detector);
      expect(metricValue(text, 'exfilguard_detection_latency_seconds_count')).toBe(0);
      expect(
        metricValue(text, 'exfilguard_backlog_lockouts_total{rule="sequential-id-scan"}'),
      ).toBe(1);
      expect(
        metricValue(text, 'exfilguard_events_total{outcome="invalid",reason="EVENT_TOO_LATE"}'),
      ).toBe(80);
    } finally {
      await Promise.all([lockouts.stop(), dlq.stop()]);
    }
  });
});
