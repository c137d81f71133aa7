// Kafka helpers for integration tests: clients with quiet logs, topics created
// explicitly (the broker does not auto-create them), and unique names per test so
// tests run in parallel against one broker.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';

/** A name no other test uses: `label-<8 hex>`. For topics, group ids, key prefixes. */
export function uniqueName(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export function testKafka(brokers: string[], clientId = uniqueName('test')): Kafka {
  // Quiet: kafkajs logs routine rebalances at ERROR level; failures reach tests as rejections.
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
}

export async function withAdmin<T>(
  brokers: string[],
  use: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = testKafka(brokers).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopic(
  brokers: string[],
  topic: string,
  numPartitions = 1,
): Promise<void> {
  await withAdmin(brokers, (admin) =>
    admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true }),
  );
}

/**
 * The broker creates `__consumer_offsets` on the first FindCoordinator request, which
 * makes the first consumer group of a run slow. Join one group once, here, so that
 * no test pays for it. Returns the milliseconds it took.
 */
export async function warmUpConsumerGroups(brokers: string[]): Promise<number> {
  const began = Date.now();
  const topic = uniqueName('warm-up');
  await createTopic(brokers, topic);
  const kafka = testKafka(brokers);
  // A crash that lands after disconnect (kafkajs: "write after end" as the join
  // completes) would restart the consumer for good, on a topic deleted below: it then
  // retries until the broker is gone and keeps vitest from exiting. So no restart once
  // done; before that, restarts ride out the coordinator still loading.
  let done = false;
  const consumer = kafka.consumer({
    groupId: uniqueName('warm-up'),
    // A short fetch wait: disconnect waits for the fetch in flight (5 s by default).
    maxWaitTimeInMs: 100,
    retry: { restartOnFailure: async () => !done },
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
    );
    await consumer.run({ eachMessage: async () => {} });
    await joined;
  } finally {
    done = true;
    await consumer.disconnect();
  }
  await withAdmin(brokers, (admin) => admin.deleteTopics({ topics: [topic] }));
  return Date.now() - began;
}

/** One harmless valid event at the end of each of the topic's `partitions`. */
export async function produceMarkers(
  brokers: string[],
  topic: string,
  partitions: number,
): Promise<void> {
  const producer = testKafka(brokers).producer();
  await producer.connect();
  const marker = (partition: number) => ({
    partition,
    value: JSON.stringify({
      ts: Date.now(),
      ip: '198.51.100.250',
      method: 'GET',
      path: '/',
      status: 200,
    }),
  });
  const messages = Array.from({ length: partitions }, (_, p) => marker(p));
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
}
