// Contract 2's promise (decide/lockout.ts, README "The lockouts topic"): a reader of
// the compacted lockouts topic alone knows exactly what is in force. Shown by making
// the broker compact a topic holding the sequences that broke the v1 key
// (`scope:subject`) and rebuilding an enforcer's table from what compaction left; the
// same values under the v1 key lose the enforce lockout behind a shadow one.
import { ConfigResourceTypes, type Admin, type KafkaMessage } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { lockoutKey, type LockoutKeyParts } from '../../src/decide/lockout.js';
import { Enforcer } from '../../src/enforce/index.js';
import { createLogger } from '../../src/log.js';
import { testKafka, uniqueName, withAdmin } from '../support/kafka.js';
import {
  lockoutMessage,
  lockoutProducer,
  lockoutRecord,
  releaseOf,
  type LockoutSpec,
} from '../support/lockouts.js';

const brokers = inject('kafkaBrokers');
const HOUR = 3_600_000;

/**
 * Compaction as soon as the cleaner looks: segments roll after 100 ms, any dirty
 * share is enough, no lag, tombstones kept only briefly. The cleaner itself wakes
 * every `log.cleaner.backoff.ms` (broker setting; the local test broker sets 500 ms,
 * Kafka's default is 15 s): the wait below is sized from the broker's own value.
 */
const COMPACT_NOW = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'segment.ms', value: '100' },
  { name: 'min.cleanable.dirty.ratio', value: '0.01' },
  { name: 'min.compaction.lag.ms', value: '0' },
  { name: 'delete.retention.ms', value: '100' },
];

async function createCompactedTopic(admin: Admin, topic: string): Promise<void> {
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, configEntries: COMPACT_NOW }],
    waitForLeaders: true,
  });
}

/** The broker's cleaner backoff in ms, to size how long to wait for compaction. */
async function cleanerBackoffMs(admin: Admin): Promise<number> {
  const { brokers: nodes } = await admin.describeCluster();
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      {
        type: ConfigResourceTypes.BROKER,
        name: String(nodes[0]!.nodeId),
        configNames: ['log.cleaner.backoff.ms'],
      },
    ],
  });
  const value = described.resources[0]?.configEntries[0]?.configValue;
  return value === undefined ? 15_000 : Number(value);
}

/** Every record now in the topic (one partition), read from the start up to `lastKey`. */
async function readTopic(topic: string, lastKey: string): Promise<KafkaMessage[]> {
  const consumer = testKafka(brokers).consumer({
    groupId: uniqueName('compaction-reader'),
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const messages: KafkaMessage[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (message.key?.toString() === lastKey) resolve();
        },
      });
    });
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

/** Reads the topic until no key before the last record appears twice: compaction ran. */
async function untilCompacted(
  topic: string,
  lastKey: string,
  timeoutMs: number,
): Promise<KafkaMessage[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const messages = await readTopic(topic, lastKey);
    const keys = messages.map((m) => m.key?.toString());
    if (new Set(keys).size === keys.length) return messages;
    if (Date.now() > deadline) {
      throw new Error(`${topic} not compacted after ${timeoutMs} ms: keys ${keys.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface Step {
  readonly parts: LockoutKeyParts;
  /** A lockout of this ttl, or the release of the key's lockout, or a tombstone. */
  readonly then: LockoutSpec['ttlMs'] | 'release' | 'tombstone';
}

const ip = (subject: string, rule: string, mode: 'enforce' | 'shadow' = 'enforce') =>
  ({ scope: 'ip', subject, rule, mode }) as const;

/** The sequences that broke v1, subject by subject, in publication order. */
const SEQUENCES: readonly Step[] = [
  // Two rules on one IP: the later and longer one must not hide the earlier (nor vice versa).
  { parts: ip('203.0.113.7', 'sequential-id-scan'), then: HOUR },
  { parts: ip('203.0.113.7', 'slow-id-scan'), then: 6 * HOUR },
  // An enforce lockout, then a shadow one of another rule: the shadow must not hide it.
  { parts: ip('203.0.113.8', 'sequential-id-scan'), then: HOUR },
  { parts: ip('203.0.113.8', 'object-breadth', 'shadow'), then: 2 * HOUR },
  // A lockout and its release; a lockout and a tombstone.
  {
    parts: { scope: 'session', subject: 's-released', rule: 'object-breadth', mode: 'enforce' },
    then: HOUR,
  },
  {
    parts: { scope: 'session', subject: 's-released', rule: 'object-breadth', mode: 'enforce' },
    then: 'release',
  },
  {
    parts: { scope: 'user', subject: 'mallory', rule: 'slow-id-scan', mode: 'enforce' },
    then: HOUR,
  },
  {
    parts: { scope: 'user', subject: 'mallory', rule: 'slow-id-scan', mode: 'enforce' },
    then: 'tombstone',
  },
  // Escalation: the same rule again, longer.
  { parts: ip('2001:db8:1:2::/64', 'sequential-id-scan'), then: HOUR },
  { parts: ip('2001:db8:1:2::/64', 'sequential-id-scan'), then: 24 * HOUR },
];

/** A record published after the segment rolled, so the sequences' segment can be cleaned. */
const LAST = ip('198.51.100.250', 'roll-marker');

const running: Enforcer[] = [];
afterAll(async () => {
  await Promise.all(running.map((e) => e.stop()));
});

async function caughtUpEnforcer(topic: string): Promise<Enforcer> {
  const enforcer = new Enforcer({
    kafka: testKafka(brokers),
    topic,
    logger: createLogger('silent'),
    identity: { sessionHeader: 'x-session', userHeader: 'x-user' },
  });
  running.push(enforcer);
  await enforcer.start();
  await enforcer.untilCaughtUp();
  return enforcer;
}

const from = (address: string, headers: Record<string, string> = {}) => ({
  remoteAddress: address,
  headers,
});

describe('the compacted lockouts topic', () => {
  it('keeps exactly what is in force under rule/mode/scope:subject keys; scope:subject keys lost an enforce lockout', async () => {
    const [v2, v1] = [uniqueName('lockouts-v2'), uniqueName('lockouts-v1')];
    const backoffMs = await withAdmin(brokers, async (admin) => {
      await createCompactedTopic(admin, v2);
      await createCompactedTopic(admin, v1);
      return cleanerBackoffMs(admin);
    });

    const producer = await lockoutProducer(brokers);
    const lockouts = new Map<string, ReturnType<typeof lockoutRecord>>();
    const v1Messages: { key: string; value: string }[] = [];
    try {
      for (const { parts, then } of SEQUENCES) {
        const key = lockoutKey(parts);
        let value: ReturnType<typeof lockoutRecord> | ReturnType<typeof releaseOf> | null;
        if (then === 'tombstone') value = null;
        else if (then === 'release') value = releaseOf(lockouts.get(key)!);
        else {
          value = lockoutRecord({ ...parts, ttlMs: then });
          lockouts.set(key, value);
        }
        await producer.send({ topic: v2, acks: -1, messages: [lockoutMessage(parts, value)] });
        // v1 had no tombstone reader for its keys; the values are the same records.
        if (value !== null) {
          v1Messages.push({ key: `${parts.scope}:${parts.subject}`, value: JSON.stringify(value) });
        }
      }
      await producer.send({ topic: v1, acks: -1, messages: v1Messages });
      // Past segment.ms, the next append rolls a new segment: the old one becomes cleanable.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const last = { key: lockoutKey(LAST), value: JSON.stringify(releaseOf(LAST)) };
      await producer.send({ topic: v2, acks: -1, messages: [last] });
      await producer.send({
        topic: v1,
        acks: -1,
        messages: [{ key: `ip:${LAST.subject}`, value: last.value }],
      });
    } finally {
      await producer.disconnect();
    }

    const timeoutMs = 2 * backoffMs + 20_000;
    const [v2Left, v1Left] = await Promise.all([
      untilCompacted(v2, lockoutKey(LAST), timeoutMs),
      untilCompacted(v1, `ip:${LAST.subject}`, timeoutMs),
    ]);
    // Compaction happened: superseded records are gone (the tombstone may be too, once
    // delete.retention.ms has passed after a cleaning).
    const produced = SEQUENCES.length + 1;
    console.log(
      `compaction: v2 ${produced} records produced, ${v2Left.length} left; ` +
        `v1 ${v1Messages.length + 1} produced, ${v1Left.length} left (cleaner backoff ${backoffMs} ms)`,
    );
    expect(v2Left.length).toBeLessThan(produced);
    expect(v2Left.length).toBeGreaterThanOrEqual(produced - 4);
    expect(v1Left.length).toBe(6);

    const enforcer = await caughtUpEnforcer(v2);
    const now = Date.now();
    // Both rules' lockouts of 203.0.113.7 survive; the longer one answers.
    expect(enforcer.table.entriesOf('ip:203.0.113.7').map((e) => e.rule)).toEqual([
      'sequential-id-scan',
      'slow-id-scan',
    ]);
    expect(enforcer.check(from('203.0.113.7')).rule).toBe('slow-id-scan');
    // The enforce lockout of 203.0.113.8 still refuses; its shadow one sits beside it.
    const eight = enforcer.table.match(['ip:203.0.113.8'], now);
    expect(eight.refusing?.rule).toBe('sequential-id-scan');
    expect(eight.shadowRule).toBe('object-breadth');
    expect(enforcer.check(from('203.0.113.8')).status).toBe(403);
    // Released and tombstoned: nothing.
    expect(enforcer.check(from('192.0.2.1', { 'x-session': 's-released' })).outcome).toBe(
      'allowed',
    );
    expect(enforcer.check(from('192.0.2.1', { 'x-user': 'mallory' })).outcome).toBe('allowed');
    // Escalated: one entry, the later and longer lockout.
    const escalated = lockouts.get(lockoutKey(SEQUENCES[9]!.parts))!;
    const prefix = enforcer.check(from('2001:db8:1:2::1'));
    expect(prefix.lockoutId).toBe(escalated.id);
    expect(prefix.retryAfterSeconds).toBeGreaterThan(23 * 3600);
    expect(enforcer.table.size).toBe(5);

    // Under v1 keys the shadow record was the latest for 203.0.113.8: after compaction
    // a reader sees only it, and lets the client through.
    const v1Enforcer = await caughtUpEnforcer(v1);
    expect(v1Enforcer.table.entriesOf('ip:203.0.113.8').map((e) => e.mode)).toEqual(['shadow']);
    expect(v1Enforcer.check(from('203.0.113.8')).outcome).toBe('shadow');
  }, 120_000);
});
