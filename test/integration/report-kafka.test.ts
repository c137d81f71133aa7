// `exfilguard report --kafka` on the real broker (a child process, as an analyst runs
// it): the example log produced to an input topic of three partitions, each record
// stamped with its event time, gives the same report as the file, byte for byte —
// whole, and for a period, where the offsets found by time keep the read to a few
// records. `--lockout ID` finds the lockout on the lockouts topic, or for one added by
// hand whose record is gone, in the audit trail, and says which; an unknown id is
// LOCKOUT_NOT_FOUND.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditRecord } from '../../src/admin/index.js';
import { parseEvent } from '../../src/event/index.js';
import type { ScopeReport } from '../../src/report/index.js';
import { runCli } from '../support/cli.js';
import { childOutput, exitedWithin, spawnCli } from '../support/detector.js';
import { createTopic, testKafka, uniqueName } from '../support/kafka.js';
import { publishLockoutRecords, testLockout } from '../support/lockouts.js';

const brokers = inject('kafkaBrokers');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOG = join(ROOT, 'examples/access-with-scan.log');
const SCANNER = 'ip:203.0.113.7';
const LOCKED_AT = '2015-05-17T21:30:24Z';

const input = uniqueName('report-input');
const lockouts = uniqueName('report-lockouts');
const audit = uniqueName('report-audit');
let dir = '';

async function produceLog(): Promise<void> {
  const lines = (await readFile(LOG, 'utf8')).split('\n').filter((line) => line !== '');
  const producer = testKafka(brokers).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const messages = lines.map((line) => {
      const parsed = parseEvent(line, 'combined');
      if (!parsed.ok) throw new Error(parsed.error.message);
      // Keyed by address, as producers are asked to; stamped with the event's time.
      return { key: parsed.event.ip, value: line, timestamp: String(parsed.event.ts) };
    });
    for (let i = 0; i < messages.length; i += 500)
      await producer.send({ topic: input, acks: -1, messages: messages.slice(i, i + 500) });
  } finally {
    await producer.disconnect();
  }
}

/** Runs the CLI as a child with the Kafka settings; returns its exit code and output. */
async function reportFromKafka(args: string[]): Promise<{ code: unknown; output: string }> {
  const child = spawnCli(['report', ...args, '--kafka'], {
    EXFILGUARD_KAFKA_BROKERS: brokers.join(','),
    EXFILGUARD_INPUT_TOPIC: input,
    EXFILGUARD_LOCKOUT_TOPIC: lockouts,
    EXFILGUARD_AUDIT_TOPIC: audit,
  });
  const code = await exitedWithin(child, 60_000);
  return { code, output: childOutput(child) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exfilguard-report-kafka-'));
  await createTopic(brokers, input, 3);
  await createTopic(brokers, lockouts, 2);
  await createTopic(brokers, audit, 1);
  await produceLog();
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('exfilguard report --kafka', () => {
  it('gives the same report from the topic as from the file', async () => {
    const out = join(dir, 'whole.json');
    const { code, output } = await reportFromKafka([
      SCANNER,
      '--locked-at',
      LOCKED_AT,
      '--json',
      out,
    ]);
    expect(code, output).toBe(0);
    expect(output).toContain('2480 records read from topic');
    const fromFile = await runCli([
      'report',
      SCANNER,
      '--locked-at',
      LOCKED_AT,
      LOG,
      '--json',
      '-',
    ]);
    expect(await readFile(out, 'utf8')).toBe(fromFile.stdout);
    // And that is the golden report of the example.
    expect(fromFile.stdout).toBe(
      await readFile(join(ROOT, 'examples/report-scanner.json'), 'utf8'),
    );
  });

  it('reads a period by time: the same report, from a few records of the topic', async () => {
    const period = ['--from', '2015-05-17T21:30:10Z', '--to', '2015-05-17T21:30:30Z'];
    const out = join(dir, 'period.json');
    const { code, output } = await reportFromKafka([
      SCANNER,
      ...period,
      '--slack',
      '1m',
      '--json',
      out,
    ]);
    expect(code, output).toBe(0);
    const read = Number(/(\d+) records read from topic/.exec(output)?.[1]);
    // The scan's 80 lines and the real lines of 21:29-21:31, not the 2,480.
    expect(read).toBeGreaterThanOrEqual(40);
    expect(read).toBeLessThan(200);
    const fromFile = await runCli(['report', SCANNER, ...period, LOG, '--json', '-']);
    expect(await readFile(out, 'utf8')).toBe(fromFile.stdout);
    expect((JSON.parse(fromFile.stdout) as { succeeded: number }).succeeded).toBeGreaterThan(30);
  });

  it('takes subject and time from the lockouts topic, and says so', async () => {
    const lockout = testLockout('ip', '203.0.113.7', {
      nowMs: Date.parse(LOCKED_AT),
      ttlSeconds: 3600,
    });
    await publishLockoutRecords(brokers, lockouts, [lockout]);
    const out = join(dir, 'lockout.json');
    const { code, output } = await reportFromKafka(['--lockout', lockout.id, '--json', out]);
    expect(code, output).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as ScopeReport;
    expect(report.subject).toBe('203.0.113.7');
    expect(report.lockout).toMatchObject({
      id: lockout.id,
      source: 'lockouts-topic',
      rule: 'sequential-id-scan',
    });
    expect(report.enforcementGap).toMatchObject({ succeeded: 32, distinctIds: 32 });
  });

  it('takes a manual lockout whose record is gone from the audit trail, and says so', async () => {
    const id = uniqueName('manual');
    const record = auditRecord(
      {
        who: 'alice',
        role: 'operator',
        action: 'lockout.add',
        subject: 'ip:203.0.113.7',
        rule: 'manual',
        reason: 'scraping by hand',
        lockoutIds: [id],
        requestId: 'req-1',
        outcome: 'ok',
      },
      Date.parse('2015-05-17T21:30:35Z'),
    );
    const producer = testKafka(brokers).producer();
    await producer.connect();
    await producer.send({
      topic: audit,
      acks: -1,
      messages: [{ key: 'alice', value: JSON.stringify(record) }],
    });
    await producer.disconnect();
    const out = join(dir, 'audit.json');
    const { code, output } = await reportFromKafka(['--lockout', id, '--json', out]);
    expect(code, output).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as ScopeReport;
    expect(report.lockout).toMatchObject({ id, source: 'audit-topic', rule: 'manual' });
    expect(report.notice.text.at(-1)).toContain('the admin audit trail');
    // 21:30:35 to 21:30:39: the scan's last requests.
    expect(report.enforcementGap?.succeeded).toBeGreaterThan(0);
    expect(report.enforcementGap?.succeeded).toBeLessThan(32);
  });

  it('says LOCKOUT_NOT_FOUND for an id on neither topic', async () => {
    const { code, output } = await reportFromKafka(['--lockout', 'no-such-lockout']);
    expect(code).toBe(1);
    expect(output).toContain('[LOCKOUT_NOT_FOUND] no lockout "no-such-lockout"');
  });
});
