// Records that once stopped consumption (issue 9, item 13), through the real broker and
// Redis: an invalid record too big to be dead-lettered as it is, and a dead-letter
// topic that refuses everything.
import { ConfigResourceTypes } from 'kafkajs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { RunningDetector } from '../../src/service/detector-service.js';
import {
  collectTopic,
  detectorSetup,
  scanEvents,
  startInProcess,
  waitFor,
  type DetectorSetup,
} from '../support/detector.js';
import { withAdmin } from '../support/kafka.js';
import { metricValue, produceToPartition } from '../support/partitions.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

async function setTopicLimit(topic: string, maxMessageBytes: number): Promise<void> {
  await withAdmin(brokers, (admin) =>
    admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }],
        },
      ],
    }),
  );
}

/** Produces `values` to one partition of the input topic, in order. */
function produceTo(setup: DetectorSetup, partition: number, values: (string | Buffer)[]) {
  const records = values.map((value) => ({ value }));
  return produceToPartition(brokers, setup.topics.input, partition, records);
}

async function get(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

describe('hostile records on the streaming path', () => {
  let detector: RunningDetector | undefined;
  afterEach(async () => {
    await detector?.stop();
    detector = undefined;
  });

  it('dead-letters records too large for the dead-letter topic, cut to fit, and consumes on', async () => {
    const setup = await detectorSetup(brokers, redisUrl, { partitions: 3 });
    // The input topic allows 3 MB records; the dead-letter topic keeps Kafka's default.
    await setTopicLimit(setup.topics.input, 3 * 1024 * 1024);
    detector = await startInProcess(setup);
    const dlq = await collectTopic(brokers, setup.topics.deadLetters);
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    try {
      // Just under the default limit of the input topic, and a 2 MB record.
      const nearLimit = Buffer.alloc(1_048_400, 'a');
      const twoMb = Buffer.alloc(2 * 1024 * 1024, 'b');
      const after = scanEvents('192.0.2.90', 1, Date.now())[0]!;
      await produceTo(setup, 0, [nearLimit, twoMb, JSON.stringify(after)]);
      // A scan on another partition, produced after the hostile records.
      const scan = scanEvents('203.0.113.90', 80, Date.now());
      await produceTo(
        setup,
        1,
        scan.map((e) => JSON.stringify(e)),
      );

      await waitFor(() => dlq.received.length >= 2, 30_000, 'two dead letters');
      await waitFor(() => lockouts.received.length >= 1, 30_000, 'the scan lockout');
      const letters = dlq.received.map((r) => r.message);
      const bySize = new Map(
        letters.map((m) => [m.headers!['exfilguard.value.original.bytes']!.toString(), m]),
      );
      for (const original of [nearLimit, twoMb]) {
        const letter = bySize.get(String(original.byteLength));
        expect(letter, `dead letter of the ${original.byteLength}-byte record`).toBeDefined();
        expect(letter!.headers!['exfilguard.value.truncated']!.toString()).toBe('true');
        expect(letter!.value!.byteLength).toBeLessThan(1_048_588 - 1000);
        expect(letter!.value!.byteLength).toBeGreaterThan(1_040_000);
        expect(letter!.value!.equals(original.subarray(0, letter!.value!.byteLength))).toBe(true);
      }
      const codes = letters.map((m) => m.headers!['exfilguard.error.code']!.toString()).sort();
      expect(codes).toEqual(['EVENT_INVALID_LINE', 'EVENT_TOO_LARGE']);
      expect(JSON.parse(lockouts.received[0]!.message.value!.toString())).toMatchObject({
        subject: '203.0.113.90',
      });

      // The valid record behind them on their own partition was consumed too.
      const valid = 'exfilguard_events_total{outcome="valid",reason=""}';
      let scrape = '';
      for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
        scrape = (await get(`${detector.url}/metrics`)).text;
        if (metricValue(scrape, valid) === 81) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(metricValue(scrape, valid)).toBe(81);
      expect((await get(`${detector.url}/healthz`)).status).toBe(200);
      expect(metricValue(scrape, 'exfilguard_consumer_running')).toBe(1);
    } finally {
      await Promise.all([dlq.stop(), lockouts.stop()]);
    }
  });

  it('learns a dead-letter limit lowered while running, and cuts to it', async () => {
    const setup = await detectorSetup(brokers, redisUrl);
    detector = await startInProcess(setup);
    await setTopicLimit(setup.topics.deadLetters, 100_000);
    const dlq = await collectTopic(brokers, setup.topics.deadLetters);
    try {
      await produceTo(setup, 0, [Buffer.alloc(300_000, 'c')]);
      await waitFor(() => dlq.received.length >= 1, 30_000, 'the dead letter');
      const { value, headers } = dlq.received[0]!.message;
      expect(headers!['exfilguard.value.original.bytes']!.toString()).toBe('300000');
      expect(value!.byteLength).toBeLessThan(100_000);
      expect(value!.byteLength).toBeGreaterThan(95_000);
      expect((await get(`${detector.url}/healthz`)).status).toBe(200);
    } finally {
      await dlq.stop();
    }
  });

  it('turns /healthz 503 and exfilguard_consumer_running 0 when the consumer stops for good', async () => {
    const setup = await detectorSetup(brokers, redisUrl);
    detector = await startInProcess(setup);
    expect((await get(`${detector.url}/healthz`)).status).toBe(200);
    // No dead letter fits a 200-byte limit, not even its headers alone: every attempt to
    // publish is refused, and the consumer crashes without restarting. (Lower than ~100
    // bytes the broker could not write its own transaction markers there.)
    await setTopicLimit(setup.topics.deadLetters, 200);
    await produceTo(setup, 0, ['not an access event']);
    const url = detector.url;
    let health = await get(`${url}/healthz`);
    const deadline = Date.now() + 30_000;
    while (health.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      health = await get(`${url}/healthz`);
    }
    expect(health.status).toBe(503);
    const body = JSON.parse(health.text) as { status: string; reason: string };
    expect(body.status).toBe('consumer stopped');
    expect(body.reason).toMatch(/larger than the max message size/);
    const scrape = (await get(`${url}/metrics`)).text;
    expect(metricValue(scrape, 'exfilguard_consumer_running')).toBe(0);
  });
});
