// exfilguard run end to end: events produced to the input topic, lockouts and dead
// letters read back from their topics, through the real broker and a real Redis.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BatchTally, DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import type { RunningDetector } from '../../src/service/detector-service.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';
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
import { scrapeMetrics } from '../support/metrics.js';
import {
  counted,
  growthOnceCounted,
  lockoutsIssued,
  ruleActivity,
  scanByAddress,
} from '../support/rule-figures.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

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
    const before = await scrapeMetrics(detector.url);
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
      expect(lockouts.received[0]!.message.key?.toString()).toBe(
        'sequential-id-scan/enforce/ip:203.0.113.44',
      );
      // The 51st event triggers it; all 80 were produced at sentAt.
      expect(Date.parse(command!.eventTime)).toBe(events[50]!.ts);
      expect(lockouts.received[0]!.receivedAt - sentAt).toBeLessThan(1000);

      // What an analyst sees of it on /metrics, figured from the 80 events.
      expect(await growthOnceCounted(detector.url, before, events.length)).toEqual(
        scanByAddress(80),
      );
      const after = await scrapeMetrics(detector.url);
      expect(
        after.get(
          'exfilguard_active_lockouts{rule="sequential-id-scan",scope="ip",mode="enforce"}',
        ),
      ).toBe(1);
      // Caught up: every partition that had a batch reports no lag.
      const lags = [...after].filter(([series]) =>
        series.startsWith(`exfilguard_consumer_lag_messages{topic="${setup.topics.input}"`),
      );
      expect(lags.length).toBeGreaterThanOrEqual(1);
      for (const [, lag] of lags) expect(lag).toBe(0);
      expect(after.get('exfilguard_ready{component="kafka"}')).toBe(1);
      expect(after.get('exfilguard_ready{component="redis"}')).toBe(1);
      const builds = [...after].filter(([series]) => series.startsWith('exfilguard_build_info'));
      expect(builds).toHaveLength(1);
      expect(builds[0]![0]).toMatch(/^exfilguard_build_info\{version="\d+\.\d+\.\d+"\}$/);
      expect(builds[0]![1]).toBe(1);
    } finally {
      await lockouts.stop();
    }
  });

  it('sends invalid messages to the dead-letter topic with their bytes and reason, and goes on', async () => {
    const dlq = await collectTopic(brokers, setup.topics.deadLetters);
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    const before = await scrapeMetrics(detector.url);
    try {
      const scan = scanEvents('198.51.100.77', 60, Date.now(), 100, 1000, '/api/accounts');
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
      expect(await growthOnceCounted(detector.url, before, scan.length)).toEqual({
        ...scanByAddress(60),
        exfilguard_dead_letters_total: 3,
      });
    } finally {
      await Promise.all([dlq.stop(), lockouts.stop()]);
    }
  });

  it('gives the same lockouts as replay over the same events', async () => {
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    const before = await scrapeMetrics(detector.url);
    try {
      const start = Date.now();
      const events = [
        ...scanEvents('192.0.2.201', 70, start, 50, 1000, '/api/customers'),
        ...scanEvents('192.0.2.202', 70, start + 10, 50, 5000, '/api/customers').map((e) => ({
          ...e,
          status: 404,
        })),
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
      const offlineTally = new BatchTally();
      const offline = await new DetectionPipeline(compiled, new MemoryWindowStore()).process(
        events,
        undefined,
        offlineTally,
      );
      const sweep = offlineTally.byRule.find((a) => a.rule === 'distributed-sweep')!;
      // The route's window saw the 70 ids answered 200 (the 404 scan took no record):
      // under the sweep's 100, so no participant step and no lockout.
      expect([sweep.evaluations, sweep.hits]).toEqual([70, 0]);
      const expected = offline.lockouts
        .map((l) => `${l.id} ${l.rule} ${l.scope}:${l.subject}`)
        .sort();
      // Both scans from their 51st id; the 404 scan by error-probing from its 60th
      // request; the export by session on its 5th 4 MB page (20 MB: bulk-export) and
      // its 8th (32 MB in 8 large answers: data-volume), not by its address, which
      // carries the session. distributed-sweep counts records taken: 70, not a sweep.
      expect(expected).toHaveLength(5);

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
      // Per event: the scans are windows of both id rules, error-probing and
      // object-breadth (by address), and the first of the route's sweep window; an export page is
      // a window of error-probing, bulk-export, data-volume and session-flood by session
      // only (its address carries the session), and pages 2–7 of list-paging. The
      // sweep's participant steps (one per close id once the sweep is on) are taken
      // from replay's own tally of the same events: live must do the same. Each event
      // with a session, and each granted lockout of it, is a step of hostile-address.
      expect(await growthOnceCounted(detector.url, before, events.length)).toEqual({
        ...counted({
          valid: 148,
          deadLetters: 0,
          suppressed: {
            'sequential-id-scan': 38,
            'error-probing': 10,
            'bulk-export': 3,
          },
        }),
        ...ruleActivity({
          'sequential-id-scan': [140, 40],
          'slow-id-scan': [140, 0],
          'error-probing': [70 + 70 + 8, 11],
          'object-breadth': [140, 0],
          'bulk-export': [8, 4],
          'data-volume': [8, 1],
          'list-paging': [6, 0],
          'session-flood': [8, 0],
          'distributed-sweep': [sweep.evaluations, sweep.hits],
          // The 8 export pages carry a session: each counts its address's identities;
          // the session's two lockouts each feed the address; one identity fires nothing.
          'hostile-address': [8 + 2, 0],
        }),
        ...lockoutsIssued({
          'sequential-id-scan,ip,high': 2,
          'error-probing,ip,medium': 1,
          'bulk-export,session,critical': 1,
          'data-volume,session,high': 1,
        }),
      });
    } finally {
      await lockouts.stop();
    }
  });
});
