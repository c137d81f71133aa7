// Helpers of the streaming-path tests that place records by hand: on a chosen partition
// of the input topic, in order, and read one series of a detector's /metrics.
import { Partitioners } from 'kafkajs';
import { testKafka } from './kafka.js';

export interface PartitionRecord {
  readonly key?: string;
  readonly value: string | Buffer;
}

/**
 * Produces `records` to `partition` of `topic`, in order, one request each: records of
 * one request share a record batch, which must fit the topic's max.message.bytes.
 */
export async function produceToPartition(
  brokers: string[],
  topic: string,
  partition: number,
  records: readonly PartitionRecord[],
): Promise<void> {
  const producer = testKafka(brokers).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    for (const { key, value } of records) {
      await producer.send({ topic, acks: -1, messages: [{ partition, key: key ?? null, value }] });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The value of one series (name and labels exactly as exposed) in a scrape, or undefined. */
export function metricValue(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
