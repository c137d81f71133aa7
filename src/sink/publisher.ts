// Publishes what a batch produced — lockout commands (key `scope:subject`, so the
// compacted topic keeps each actor's latest) and dead letters — and commits the
// batch's offset in the same Kafka transaction. Readers of the lockouts topic (read
// committed, kafkajs' default) see a batch's lockouts exactly when its offset is
// committed: a crash before the commit shows nothing and the batch is redelivered;
// a crash after it leaves nothing to redo. So a restart adds no duplicate.
import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Producer, type TopicMessages } from 'kafkajs';
import { lockoutKey, type LockoutCommand } from '../decide/lockout.js';
import { deadLetterMessage, type RejectedRecord } from './dead-letters.js';

export interface CommitPoint {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: the batch's last offset + 1. */
  readonly offset: string;
}

/**
 * A transaction that follows another on the same producer is refused with
 * CONCURRENT_TRANSACTIONS until the broker has written the previous one's markers, a
 * few milliseconds. kafkajs retries it, by default after 300 ms, then 600 ms: that wait
 * was most of the detection latency (back-to-back transactions measured here: p50
 * 373 ms with the default, 53 ms with these). The budget stays about as long as the
 * default's (~9 s), so a broker restart is still ridden out.
 */
const TRANSACTION_RETRY = { initialRetryTime: 10, maxRetryTime: 1000, retries: 15 };

/**
 * How long the broker lets a transaction stay open. A process killed mid-transaction
 * leaves it open (its transactional id dies with it), and read-committed readers of the
 * lockouts topic — the gateways — see nothing past it until the broker aborts it: with
 * kafkajs' default, up to 60 s without new lockouts after a crash. Ours take ~50 ms;
 * one that outlives this is aborted and its batch redelivered, which counts once.
 */
const TRANSACTION_TIMEOUT_MS = 10_000;

export class Publisher {
  private readonly producer: Producer;
  /** One transaction at a time on a producer: batches of several partitions queue here. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    kafka: Kafka,
    private readonly topics: { readonly lockouts: string; readonly deadLetters: string },
    clientId: string,
    transactionalId?: string,
  ) {
    this.producer = kafka.producer({
      // The instance's own, when configured: its restart fences the dead predecessor and
      // aborts what it left open. Otherwise unique per process: never two alike, but a
      // transaction left open by a crash then lasts until TRANSACTION_TIMEOUT_MS.
      transactionalId: transactionalId ?? `${clientId}-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
      // The default (murmur2, Java-compatible) partitioner, named to silence kafkajs' warning.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: TRANSACTION_RETRY,
      transactionTimeout: TRANSACTION_TIMEOUT_MS,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Publishes and commits in one transaction; resolves once it is committed. */
  publishAndCommit(
    lockouts: readonly LockoutCommand[],
    rejected: readonly RejectedRecord[],
    commit: CommitPoint,
  ): Promise<void> {
    const run = this.queue.then(() =>
      this.transaction(this.messagesOf(lockouts, rejected), commit),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transaction(topicMessages: TopicMessages[], commit: CommitPoint): Promise<void> {
    const transaction = await this.producer.transaction();
    try {
      await transaction.sendBatch({ topicMessages, acks: -1 });
      await transaction.sendOffsets({
        consumerGroupId: commit.groupId,
        topics: [
          {
            topic: commit.topic,
            partitions: [{ partition: commit.partition, offset: commit.offset }],
          },
        ],
      });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      throw error;
    }
  }

  private messagesOf(
    lockouts: readonly LockoutCommand[],
    rejected: readonly RejectedRecord[],
  ): TopicMessages[] {
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
    return topicMessages;
  }
}
