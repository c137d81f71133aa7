// The real broker does what the detector will rely on: per-partition order through a
// consumer group, and partitions shared when a second member joins the group.
import { describe, expect, inject, it } from 'vitest';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { createTopic, testKafka, uniqueName } from '../support/kafka.js';

const brokers = inject('kafkaBrokers');

function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (condition()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe('Kafka broker', () => {
  it('delivers 1,000 produced messages to a consumer group, in order per partition', async () => {
    const topic = uniqueName('order');
    await createTopic(brokers, topic, 3);
    const kafka = testKafka(brokers);

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const keys = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const messages = Array.from({ length: 1000 }, (_, seq) => ({
      key: keys[seq % keys.length],
      value: JSON.stringify({ seq }),
    }));
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();

    const received: { partition: number; offset: bigint; key: string; seq: number }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('order-group'), maxWaitTimeInMs: 250 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        const { seq } = JSON.parse(message.value?.toString() ?? '') as { seq: number };
        received.push({
          partition,
          offset: BigInt(message.offset),
          key: message.key!.toString(),
          seq,
        });
      },
    });
    await waitFor(() => received.length >= 1000, 30_000, '1,000 messages');
    await consumer.disconnect();

    expect(received).toHaveLength(1000);
    expect(new Set(received.map((r) => r.seq)).size).toBe(1000);
    for (const partition of new Set(received.map((r) => r.partition))) {
      const inPartition = received.filter((r) => r.partition === partition);
      const offsets = inPartition.map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      // Messages of one key keep the order they were produced in.
      for (const key of keys) {
        const seqs = inPartition.filter((r) => r.key === key).map((r) => r.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      }
    }
    // The keys spread over more than one partition, so order was checked on several.
    expect(new Set(received.map((r) => r.partition)).size).toBeGreaterThan(1);
  });

  it('assigns partitions to a second consumer that joins the same group', async () => {
    const topic = uniqueName('rebalance');
    const groupId = uniqueName('rebalance-group');
    await createTopic(brokers, topic, 4);
    const kafka = testKafka(brokers);
    const assignments = new Map<string, number[]>();

    const startMember = async (name: string): Promise<Consumer> => {
      const consumer = kafka.consumer({
        groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 250,
      });
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        assignments.set(name, payload.memberAssignment[topic] ?? []);
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async () => {} });
      return consumer;
    };

    const first = await startMember('first');
    await waitFor(
      () => (assignments.get('first')?.length ?? 0) === 4,
      30_000,
      'first member to own 4 partitions',
    );
    const second = await startMember('second');
    await waitFor(
      () =>
        (assignments.get('second')?.length ?? 0) > 0 && (assignments.get('first')?.length ?? 0) < 4,
      30_000,
      'partitions to be shared',
    );
    await Promise.all([first.disconnect(), second.disconnect()]);

    const all = [...(assignments.get('first') ?? []), ...(assignments.get('second') ?? [])].sort();
    expect(all).toEqual([0, 1, 2, 3]);
  });
});
