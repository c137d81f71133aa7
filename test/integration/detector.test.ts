// exfilguard run end to end: events produced to the input topic, lockouts and dead
// letters read back from their topics, through the real broker and a real Redis.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lockoutCommandSchema, type LockoutCommand } from '../../src/decide/lockout.js';
import { DetectionPipeline } from '../../src/pipeline.js';
import { loadRules } from '../../src/rules/shipped.js';
import type { RunningDetector } from '../../src/run/detector.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';
import {
  collectTopic,
  detectorSetup,
  produceEvents,
  scanEvents,
  startInProcess,
  waitFor,
  type DetectorSetup,
} from '../support/detector.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

function lockoutsOf(received: { message: { value: Buffer | null } }[]): LockoutCommand[] {
  return received.map((r) => lockoutCommandSchema.parse(JSON.parse(r.message.value!.toString())));
}

describe('exfilguard run', () => {
  let setup: DetectorSetup;
  let detector: RunningDetector;

  beforeAll(async () => {
    setup = await detectorSetup(brokers, redisUrl);
    detector = await startInProcess(setup);
  });
  afterAll(async () => {
    await detector.stop();
  });

  it('locks out a scan produced to the input topic, once, within 1 s of the triggering event', async () => {
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    try {
      const events = scanEvents('203.0.113.44', 80, Date.now());
      const sentAt = await produceEvents(brokers, setup.topics.input, events);
      await waitFor(() => lockouts.received.length >= 1, 15_000, 'a lockout');
      await new Promise((resolve) => setTimeout(resolve, 1000)); // no second one comes
      expect(lockouts.received).toHaveLength(1);
      const [command] = lockoutsOf(lockouts.received);
      expect(command).toMatchObject({
        rule: 'sequential-id-scan',
        scope: 'ip',
        subject: '203.0.113.44',
        mode: 'enforce',
      });
      expect(lockouts.received[0]!.message.key?.toString()).toBe('ip:203.0.113.44');
      // The 51st event triggers it; all 80 were produced at sentAt.
      expect(Date.parse(command!.eventTime)).toBe(events[50]!.ts);
      expect(lockouts.received[0]!.receivedAt - sentAt).toBeLessThan(1000);

      // What an analyst sees of it on /metrics.
      const scrape = await fetch(`${detector.url}/metrics`).then((r) => r.text());
      const value = (series: string) => {
        const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
        return line === undefined ? undefined : Number(line.slice(series.length + 1));
      };
      const scan = 'rule="sequential-id-scan",mode="enforce"';
      expect(value(`exfilguard_rule_evaluations_total{${scan}}`)).toBeGreaterThanOrEqual(80);
      expect(value(`exfilguard_rule_hits_total{${scan}}`)).toBeGreaterThanOrEqual(30);
      expect(
        value('exfilguard_active_lockouts{rule="sequential-id-scan",scope="ip",mode="enforce"}'),
      ).toBe(1);
      expect(
        value(
          'exfilguard_lockouts_total{rule="sequential-id-scan",scope="ip",severity="high",mode="enforce"}',
        ),
      ).toBe(1);
      // Caught up: every partition that had a batch reports no lag.
      const lags = scrape
        .split('\n')
        .filter((l) =>
          l.startsWith(`exfilguard_consumer_lag_messages{topic="${setup.topics.input}"`),
        );
      expect(lags.length).toBeGreaterThanOrEqual(1);
      for (const lag of lags) expect(lag).toMatch(/ 0$/);
      expect(value('exfilguard_ready{component="kafka"}')).toBe(1);
      expect(value('exfilguard_ready{component="redis"}')).toBe(1);
      expect(scrape).toMatch(/^exfilguard_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
    } finally {
      await lockouts.stop();
    }
  });

  it('sends invalid messages to the dead-letter topic with their bytes and reason, and goes on', async () => {
    const dlq = await collectTopic(brokers, setup.topics.deadLetters);
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    try {
      const scan = scanEvents('198.51.100.77', 60, Date.now());
      const invalid = [
        '{"ts": "yesterday", "ip": "1.2.3.4"}',
        'not a log line at all',
        '{"broken json',
      ];
      await produceEvents(brokers, setup.topics.input, [
        ...scan.slice(0, 30),
        ...invalid,
        ...scan.slice(30),
      ]);
      await waitFor(() => dlq.received.length >= 3, 15_000, 'three dead letters');
      await waitFor(
        () => lockoutsOf(lockouts.received).some((l) => l.subject === '198.51.100.77'),
        15_000,
        'the lockout',
      );
      expect(
        lockoutsOf(lockouts.received).filter((l) => l.subject === '198.51.100.77'),
      ).toHaveLength(1);
      const values = dlq.received.map((r) => r.message.value!.toString()).sort();
      expect(values).toEqual([...invalid].sort());
      const headers = dlq.received.map((r) => r.message.headers!);
      for (const h of headers) {
        expect(h['exfilguard.source.topic']!.toString()).toBe(setup.topics.input);
        expect(h['exfilguard.error.code']!.toString()).toMatch(/^EVENT_/);
        expect(Number(h['exfilguard.source.offset']!.toString())).toBeGreaterThanOrEqual(0);
      }
      const messages = headers.map((h) => h['exfilguard.error.message']!.toString());
      expect(messages.some((m) => m.startsWith('ts:'))).toBe(true);
      const scrape = await fetch(`${detector.url}/metrics`).then((r) => r.text());
      expect(scrape).toMatch(/exfilguard_dead_letters_total [1-9]/);
    } finally {
      await Promise.all([dlq.stop(), lockouts.stop()]);
    }
  });

  it('gives the same lockouts as replay over the same events', async () => {
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    try {
      const start = Date.now();
      const events = [
        ...scanEvents('192.0.2.201', 70, start, 50),
        ...scanEvents('192.0.2.202', 70, start + 10, 50, 5000).map((e) => ({ ...e, status: 404 })),
        ...Array.from({ length: 8 }, (_, i) => ({
          ts: start + 20 + i * 1000,
          ip: '192.0.2.203',
          method: 'GET',
          path: `/api/export/employees?page=${i}`,
          status: 200,
          bytes: 4 * 1024 * 1024,
          session: 'export-session-1',
        })),
      ].sort((a, b) => a.ts - b.ts);
      const subjects = new Set(['192.0.2.201', '192.0.2.202', '192.0.2.203', 'export-session-1']);
      // Through replay's engine: memory store, one batch.
      const { compiled } = await loadRules({ dirs: [], shipped: true });
      const offline = await new DetectionPipeline(compiled, new MemoryWindowStore()).process(
        events,
      );
      const expected = offline.lockouts
        .map((l) => `${l.id} ${l.rule} ${l.scope}:${l.subject}`)
        .sort();
      expect(expected.length).toBeGreaterThanOrEqual(4);

      // One partition key per actor keeps each actor's events in order, as in replay.
      await produceEvents(brokers, setup.topics.input, events);
      await waitFor(
        () =>
          lockoutsOf(lockouts.received).filter((l) => subjects.has(l.subject)).length >=
          expected.length,
        20_000,
        'the lockouts',
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      const live = lockoutsOf(lockouts.received)
        .filter((l) => subjects.has(l.subject))
        .map((l) => `${l.id} ${l.rule} ${l.scope}:${l.subject}`)
        .sort();
      expect(live).toEqual(expected);
    } finally {
      await lockouts.stop();
    }
  });
});
