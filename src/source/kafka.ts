// Where the streaming detector's records come from: a kafkajs consumer group on the
// input topic. The only file that knows offsets: it turns each fetched batch into
// events with their positions (for counting once) and rejected records (for the
// dead letters), hands them to the handler, and commits only after the handler
// has resolved (the handler commits, with its publications) — at least once,
// never a record lost.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { type AccessEvent, type EventFormat, parseEvent } from '../event/index.js';
import type { Logger } from '../log.js';
import type { RejectedRecord } from '../sink/dead-letters.js';
import type { CommitPoint } from '../sink/publisher.js';
import type { RecordPosition } from '../window/store.js';
import { EventClock, type EventTimeLimits } from './event-time.js';

export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  /** Where a commit of this batch points: its last offset + 1, for this group. */
  readonly commitPoint: CommitPoint;
  /** Commits the batch directly (when there is nothing to publish with it). */
  readonly commit: () => Promise<void>;
  readonly events: AccessEvent[];
  readonly positions: RecordPosition[];
  readonly rejected: RejectedRecord[];
  /** Events dated too far ahead of the wall clock, judged at the wall-clock time instead. */
  retimed: number;
  /** Records of the partition after this batch, not yet fetched (consumer lag). */
  readonly lagAfter: number;
}

export interface BatchControl {
  /** False once the consumer is stopping or the partition was taken away: give up, commit nothing. */
  readonly shouldContinue: () => boolean;
  readonly heartbeat: () => Promise<void>;
}

/** Resolves true when the batch is done (commit it), false when it was given up (do not). */
export type BatchHandler = (batch: ConsumedBatch, control: BatchControl) => Promise<boolean>;

export interface KafkaSourceOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly format: EventFormat;
  /** Clock skew and lateness allowed (event-time.ts). */
  readonly eventTime: EventTimeLimits;
  /** Longest a fetch waits for data: bounds detection latency when traffic is light. */
  readonly maxWaitMs?: number;
  readonly partitionsConsumedConcurrently?: number;
  readonly sessionTimeoutMs?: number;
  readonly maxBytesPerPartition?: number;
  /** Called with this member's partitions of the topic after every rebalance. */
  readonly onAssigned?: (partitions: readonly number[]) => void;
}

/** Wait before joining again after kafkajs gave up on the coordinator (its own restart waits about as long). */
const RESTART_AFTER_MS = 1000;

/** True when the crash's first cause is kafkajs's "group coordinator not found". */
function coordinatorNotFound(error: Error): boolean {
  let cause: unknown = error;
  while ((cause as { cause?: unknown }).cause) cause = (cause as { cause: unknown }).cause;
  return (cause as Error).name === 'KafkaJSGroupCoordinatorNotFound';
}

export class KafkaSource {
  private readonly consumer: Consumer;
  private readonly clock: EventClock;
  private joined = false;
  /** Why the consumer stopped for good (a crash kafkajs does not restart), if it did. */
  private stoppedBy: string | undefined;
  /** The batch handler, kept to consume again after a crash kafkajs does not restart. */
  private handler: BatchHandler | undefined;
  private stopping = false;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaSourceOptions,
    private readonly logger: Logger,
  ) {
    this.clock = new EventClock(options.eventTime);
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: options.maxWaitMs ?? 100,
      // Batch size: smaller fetches reach Redis sooner, larger ones amortize it
      // (BENCHMARKS.md: 256 KB vs 1 MB, p50 latency 392 vs 692 ms, events/s 15.7k vs 22.4k).
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.max(500, Math.floor((options.sessionTimeoutMs ?? 30_000) / 10)),
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joined = true;
      this.options.onAssigned?.(payload.memberAssignment[this.options.topic] ?? []);
      this.logger.info(
        { memberId: payload.memberId, assignment: payload.memberAssignment },
        'joined the consumer group',
      );
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.joined = false;
      if (!payload.restart && coordinatorNotFound(payload.error)) {
        this.consumeAgainSoon(payload.error);
        return;
      }
      // Without a restart no partition is consumed again by this process: /healthz
      // turns 503 so that it is restarted, and the alert on exfilguard_consumer_running fires.
      if (!payload.restart) this.stoppedBy = `${payload.error.name}: ${payload.error.message}`;
      this.logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
    });
    this.consumer.on(this.consumer.events.DISCONNECT, () => (this.joined = false));
  }

  /** True while the consumer is a member of its group. */
  get ready(): boolean {
    return this.joined;
  }

  /** Why consumption stopped for good (a crash without restart); undefined while it runs. */
  get stoppedReason(): string | undefined {
    return this.stoppedBy;
  }

  async start(handler: BatchHandler): Promise<void> {
    this.handler = handler;
    await this.consume(handler);
  }

  private async consume(handler: BatchHandler): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 2,
      eachBatch: (payload) => this.onBatch(payload, handler),
    });
  }

  /** Finishes the batch in flight (kafkajs waits for it), then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
    this.joined = false;
  }

  /**
   * kafkajs gives up for good when it cannot find the group coordinator (its lookup
   * retries ran out: a broker down, or loading its offsets after a restart) and does
   * not restart, although nothing is wrong but the outage. The source joins again
   * itself, as kafkajs does after a retriable error; nothing was committed meanwhile.
   */
  private consumeAgainSoon(error: Error): void {
    this.logger.warn(
      { err: error },
      `consumer crashed: no group coordinator (broker down or loading); consuming again in ${RESTART_AFTER_MS} ms`,
    );
    setTimeout(() => {
      if (this.stopping || !this.handler) return;
      this.consume(this.handler).catch((failure: unknown) => {
        this.stoppedBy = `${(failure as Error).name}: ${(failure as Error).message}`;
        this.logger.error({ err: failure }, 'consumer crashed');
      });
    }, RESTART_AFTER_MS);
  }

  private async onBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const consumed = this.decode(payload);
    const done = await handler(consumed, {
      shouldContinue: () => payload.isRunning() && !payload.isStale(),
      heartbeat: () => payload.heartbeat(),
    });
    // Given up (stopping, or the partition moved to another member): nothing is
    // committed, so whoever owns the partition next starts from this batch again.
    if (!done) return;
    payload.resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
  }

  private decode({ batch }: EachBatchPayload): ConsumedBatch {
    const stream = `${batch.topic}:${batch.partition}`;
    const last = batch.messages[batch.messages.length - 1]!.offset;
    const commitPoint: CommitPoint = {
      groupId: this.options.groupId,
      topic: batch.topic,
      partition: batch.partition,
      offset: (BigInt(last) + 1n).toString(),
    };
    const consumed: ConsumedBatch = {
      topic: batch.topic,
      partition: batch.partition,
      commitPoint,
      commit: () => this.consumer.commitOffsets([commitPoint]),
      events: [],
      positions: [],
      rejected: [],
      retimed: 0,
      lagAfter: Math.max(0, Number(batch.offsetLag())),
    };
    const now = Date.now();
    for (const message of batch.messages) {
      const parsed = parseEvent(message.value ?? Buffer.alloc(0), this.options.format);
      const outcome = parsed.ok ? this.clock.judge(stream, parsed.event, now) : parsed;
      if (outcome.ok) {
        consumed.events.push(outcome.event);
        consumed.positions.push({ stream, offset: Number(message.offset) });
        if (outcome.retimed) consumed.retimed += 1;
      } else {
        consumed.rejected.push({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          timestamp: message.timestamp,
          rejection: outcome.error,
        });
      }
    }
    return consumed;
  }
}
