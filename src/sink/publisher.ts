// Publishes what a batch produced: lockout commands (key `scope:subject`, so the
// compacted topic keeps each actor's latest) and dead letters, in one request with
// acks from all in-sync replicas, through an idempotent producer. The consumer
// commits its offsets only after this resolves.
import { Partitioners, type Kafka, type Producer, type TopicMessages } from 'kafkajs';
import { lockoutKey, type LockoutCommand } from '../decide/lockout.js';
import { deadLetterMessage, type RejectedRecord } from './dead-letters.js';

export class Publisher {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topics: { readonly lockouts: string; readonly deadLetters: string },
  ) {
    // Idempotent: a retried send after a lost ack is not written twice.
    // The default (murmur2, Java-compatible) partitioner, named to silence kafkajs' warning.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async publish(
    lockouts: readonly LockoutCommand[],
    rejected: readonly RejectedRecord[],
  ): Promise<void> {
    const topicMessages: TopicMessages[] = [];
    if (lockouts.length > 0) {
      topicMessages.push({
        topic: this.topics.lockouts,
        messages: lockouts.map((command) => ({
          key: lockoutKey(command),
          value: JSON.stringify(command),
          headers: { 'exfilguard.lockout.id': command.id },
        })),
      });
    }
    if (rejected.length > 0) {
      topicMessages.push({
        topic: this.topics.deadLetters,
        messages: rejected.map(deadLetterMessage),
      });
    }
    if (topicMessages.length > 0) await this.producer.sendBatch({ topicMessages, acks: -1 });
  }
}
