// A bounded read of a topic, for analysts (`exfilguard report --kafka`): the records
// of each partition between two offsets, found by time with the broker's own index
// (ListOffsets by timestamp, kafkajs admin.fetchTopicOffsetsByTimestamp), then read
// once by a private consumer group that commits nothing and ends when every partition
// reaches its end. Unlike kafka.ts (the detector's group) nothing here is committed:
// the detector's position is never touched.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** Offsets of one partition to read: from inclusive, to exclusive (decimal strings, as kafkajs). */
export interface PartitionRange {
  readonly partition: number;
  readonly from: string;
  readonly to: string;
}

export interface TimeBounds {
  /** Record timestamps (the producer's or the broker's clock), epoch ms. */
  readonly fromMs?: number;
  readonly toMs?: number;
}

/**
 * Each partition's offsets for records stamped in [fromMs, toMs): the first offset
 * stamped at or after each bound (the end when none is), the end offset now when a
 * bound is absent.
 */
export async function rangeByTime(
  kafka: Kafka,
  topic: string,
  bounds: TimeBounds,
): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const at = async (ms: number | undefined, otherwise: 'low' | 'high') => {
      if (ms === undefined)
        return new Map(ends.map((p) => [p.partition, otherwise === 'low' ? p.low : p.high]));
      const found = await admin.fetchTopicOffsetsByTimestamp(topic, ms);
      return new Map(found.map((p) => [p.partition, p.offset]));
    };
    const from = await at(bounds.fromMs, 'low');
    const to = await at(bounds.toMs, 'high');
    return ends
      .map(({ partition, high }) => ({
        partition,
        from: from.get(partition) ?? high,
        // Nothing past the end as it stood: a live topic's new records are not waited for.
        to: minOffset(to.get(partition) ?? high, high),
      }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** Whether the topic exists (a missing one would be retried by kafkajs for many seconds). */
export async function topicExists(kafka: Kafka, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

function minOffset(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? a : b;
}

/** One record of the range: its value (null for a tombstone), partition and offset. */
export type RangeRecord = (value: Buffer | null, partition: number, offset: string) => void;

/**
 * Reads every record of the ranges, in offset order within each partition, and
 * resolves when all are read. A throw from `onRecord` stops the read and rejects with it.
 */
export async function readRange(
  kafka: Kafka,
  topic: string,
  ranges: readonly PartitionRange[],
  onRecord: RangeRecord,
): Promise<void> {
  const open = new Map(
    ranges
      .filter((r) => BigInt(r.from) < BigInt(r.to))
      .map((r) => [r.partition, { from: BigInt(r.from), to: BigInt(r.to) }]),
  );
  if (open.size === 0) return;
  const consumer = kafka.consumer({
    groupId: `exfilguard-report-${randomUUID()}`,
    maxWaitTimeInMs: 200,
  });
  let settle: (error?: Error) => void = () => {};
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) settle(payload.error);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = open.get(batch.partition);
        if (!range) return;
        try {
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            // Before the seek took effect, a fetch may start at the beginning.
            if (offset < range.from || offset >= range.to) continue;
            onRecord(message.value, batch.partition, message.offset);
          }
        } catch (error) {
          open.clear();
          settle(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        // lastOffset covers batches of transaction markers or compacted gaps only.
        if (BigInt(batch.lastOffset()) + 1n >= range.to) {
          open.delete(batch.partition);
          if (open.size === 0) settle();
        }
      },
    });
    const idle = ranges.filter((r) => !open.has(r.partition)).map((r) => r.partition);
    if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
    for (const [partition, { from }] of open)
      consumer.seek({ topic, partition, offset: from.toString() });
    await finished;
  } finally {
    await consumer.disconnect();
  }
}
