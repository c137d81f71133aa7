// Publishes what a batch produced — lockout commands (key `rule/mode/scope:subject`,
// so the compacted topic keeps each rule's latest lockout of an actor, see
// decide/lockout.ts) and dead letters — and commits the
// batch's offset in the same Kafka transaction. Readers of the lockouts topic (read
// committed, kafkajs' default) see a batch's lockouts exactly when its offset is
// committed: a crash before the commit shows nothing and the batch is redelivered;
// a crash after it leaves nothing to redo. So a restart adds no duplicate.
import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { LOCKOUT_ID_HEADER, lockoutKey, type LockoutCommand } from '../decide/lockout.js';
import { deadLetterMessage, type RejectedRecord } from './dead-letters.js';
import { chunkBySize, recordBudget, recordBytes } from './record-size.js';
import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES, learnTopicLimits } from './topic-limits.js';

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

interface Outgoing {
  readonly topic: string;
  readonly message: Message;
}

/**
 * The broker's refusal of a batch over a topic's size limit (Kafka protocol errors 10,
 * 18), which kafkajs wraps in a KafkaJSNonRetriableError: found along the causes.
 */
function isTooLarge(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}

export class Publisher {
  private readonly producer: Producer;
  /** One transaction at a time on a producer: batches of several partitions queue here. */
  private queue: Promise<unknown> = Promise.resolve();
  /** max.message.bytes of the lockouts and dead-letter topics, learned on connect. */
  private limits = {
    lockouts: KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
    deadLetters: KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  };

  constructor(
    private readonly kafka: Kafka,
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

  /** Connects; returns a problem to log if the topics' size limits could not be read. */
  async connect(): Promise<string | undefined> {
    await this.producer.connect();
    return this.learnLimits();
  }

  /** The topics' max.message.bytes as the broker says now; a problem when it would not. */
  async learnLimits(): Promise<string | undefined> {
    const { lockouts, deadLetters } = this.topics;
    const learned = await learnTopicLimits(this.kafka, [lockouts, deadLetters]);
    this.limits = {
      lockouts: learned.limits.get(lockouts) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
      deadLetters: learned.limits.get(deadLetters) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
    };
    return learned.problem;
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
      this.transaction(lockouts, rejected, commit).catch(async (error: unknown) => {
        // A topic's limit lowered while running: learn it, cut to it, try once more.
        if (!isTooLarge(error)) throw error;
        await this.learnLimits();
        await this.transaction(lockouts, rejected, commit);
      }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transaction(
    lockouts: readonly LockoutCommand[],
    rejected: readonly RejectedRecord[],
    commit: CommitPoint,
  ): Promise<void> {
    const outgoing = this.messagesOf(lockouts, rejected);
    // Each chunk is one produce request: no partition's batch in it exceeds a topic's limit.
    const budget = recordBudget(Math.min(this.limits.lockouts, this.limits.deadLetters));
    const chunks = chunkBySize(outgoing, (o) => recordBytes(o.message), budget);
    const transaction = await this.producer.transaction();
    try {
      for (const chunk of chunks) {
        await transaction.sendBatch({ topicMessages: byTopic(chunk), acks: -1 });
      }
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
  ): Outgoing[] {
    const { topics, limits } = this;
    return [
      ...lockouts.map((command) => ({
        topic: topics.lockouts,
        message: {
          key: lockoutKey(command),
          value: JSON.stringify(command),
          headers: { [LOCKOUT_ID_HEADER]: command.id },
        },
      })),
      ...rejected.map((record) => ({
        topic: topics.deadLetters,
        message: deadLetterMessage(record, limits.deadLetters),
      })),
    ];
  }
}

function byTopic(chunk: readonly Outgoing[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { topic, message } of chunk) {
    const messages = topics.get(topic);
    if (messages) messages.push(message);
    else topics.set(topic, [message]);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
