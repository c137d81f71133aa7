// Reads the whole lockouts topic into a LockoutTable and keeps it current. Each enforcer
// holds the whole table: it reads every partition from the beginning under a consumer
// group of its own (a random id, never shared, so no other instance takes partitions
// from it), with read-committed isolation (kafkajs' default), so a lockout appears
// exactly when the detector's transaction commits.
//
// Caught up: at start it asks the broker for each partition's end offset and is
// caught up once it has read to there (transaction markers and compacted gaps
// included). Until then the table is not the topic's state (verdict.ts). kafkajs' admin
// lists offsets read-committed, so with a transaction open that end is the last stable
// offset, where a read-committed reader stops anyway: an open (or hung) detector
// transaction does not hold readiness back, and its lockouts count once committed
// (test/integration/enforce-catch-up.test.ts).
import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../log.js';
import {
  lockoutRecordSchema,
  parseLockoutKey,
  type LockoutCommand,
  type LockoutKeyParts,
  type ReleaseCommand,
} from '../decide/lockout.js';

/**
 * What the topic's records are read into: the enforcer's LockoutTable, or any other
 * view of what is in force (the admin API keeps whole records), or a printer of each
 * record (`exfilguard lockouts follow`). `size` is logged.
 */
export interface LockoutSink {
  applyLockout(command: LockoutCommand, nowMs: number): void;
  /** A release record (passed whole as `release`) or a tombstone (its key's parts only) ends a key. */
  remove(parts: LockoutKeyParts, release?: ReleaseCommand): void;
  readonly size: number;
}

export const RECORD_OUTCOMES = ['lockout', 'release', 'tombstone', 'invalid'] as const;
export type RecordOutcome = (typeof RECORD_OUTCOMES)[number];

export interface SubscriptionOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly table: LockoutSink;
  readonly logger: Logger;
  /** Prefix of the private consumer group's id; a random suffix is added per start. */
  readonly groupIdPrefix?: string;
  /**
   * Commit the private group's offsets (default true: after a lost session it resumes
   * near where it was). A reader that only looks, like `lockouts follow`, commits nothing.
   */
  readonly commitOffsets?: boolean;
  /**
   * Hand the sink only records published after start (default false: the whole topic).
   * The older ones are still read, so catching up means the same; they are not applied.
   */
  readonly onlyNewRecords?: boolean;
  readonly now?: () => number;
}

/** Tries at reading the topic's offsets at start, 250 ms more apart each time (about 11 s in all). */
const OFFSET_ATTEMPTS = 10;

export class LockoutSubscription {
  private readonly consumer: Consumer;
  private readonly now: () => number;
  /** Partition → offset to reach (its end at start, as listed read-committed); deleted once reached. */
  private readonly behind = new Map<number, bigint>();
  /** Partition → its end at start: with `onlyNewRecords`, offsets below it are not applied. */
  private readonly endAtStart = new Map<number, bigint>();
  private caughtUpAt: number | undefined;
  private startedAt = 0;
  private lastFetch: number | undefined;
  private readonly caughtUpWaiters: (() => void)[] = [];
  /** Records read since start, by what they were (read by the metrics at each scrape). */
  readonly records: Record<RecordOutcome, number> = {
    lockout: 0,
    release: 0,
    tombstone: 0,
    invalid: 0,
  };

  constructor(private readonly options: SubscriptionOptions) {
    this.now = options.now ?? Date.now;
    this.consumer = options.kafka.consumer({
      groupId: `${options.groupIdPrefix ?? 'exfilguard-enforce'}-${randomUUID()}`,
      // An idle fetch returns after this: it bounds how stale "last fetch" looks when
      // nothing is published. A new record ends the wait at once.
      maxWaitTimeInMs: 500,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    this.consumer.on(this.consumer.events.FETCH, () => {
      this.lastFetch = this.now();
    });
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic === options.topic) this.reached(payload.partition, payload.lastOffset);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      options.logger.error(
        { err: payload.error, restart: payload.restart },
        'the lockouts consumer crashed',
      );
    });
  }

  /** Whether it has read the topic up to where it stood at start. */
  get caughtUp(): boolean {
    return this.caughtUpAt !== undefined;
  }

  /** Milliseconds catching up took, once caught up. */
  get catchUpMs(): number | undefined {
    return this.caughtUpAt === undefined ? undefined : this.caughtUpAt - this.startedAt;
  }

  /** Wall-clock time of the last successful fetch from the broker. */
  get lastFetchMs(): number | undefined {
    return this.lastFetch;
  }

  /** Resolves once caught up. */
  untilCaughtUp(): Promise<void> {
    if (this.caughtUp) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  /** Connects and starts reading; resolves once the consumer runs (not once caught up). */
  async start(): Promise<void> {
    this.startedAt = this.now();
    // Staleness counts from here until the first fetch.
    this.lastFetch = this.startedAt;
    for (const { partition, high, low } of await this.topicOffsets()) {
      if (BigInt(high) > BigInt(low)) this.behind.set(partition, BigInt(high));
      this.endAtStart.set(partition, BigInt(high));
    }
    this.checkCaughtUp();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await this.consumer.run({
      // Commits go to this instance's private group only: after a rebalance of its own
      // (a lost session) it resumes near where it was instead of re-reading everything.
      autoCommit: this.options.commitOffsets ?? true,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  /**
   * Each partition's offsets at start. Retried: just after the topic is created (the
   * detector's ensureTopics on a fresh cluster, the demo) a broker can answer "not the
   * leader" until its metadata catches up, and kafkajs' admin gives up at once on that
   * (it retries an unknown topic only). A fresh admin per attempt reads fresh metadata.
   */
  private async topicOffsets(): Promise<{ partition: number; high: string; low: string }[]> {
    for (let attempt = 1; ; attempt += 1) {
      const admin = this.options.kafka.admin();
      await admin.connect();
      try {
        return await admin.fetchTopicOffsets(this.options.topic);
      } catch (error) {
        const retriable = (error as { retriable?: unknown }).retriable === true;
        if (!retriable || attempt >= OFFSET_ATTEMPTS) throw error;
      } finally {
        await admin.disconnect();
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }

  private async onBatch({ batch }: EachBatchPayload): Promise<void> {
    const nowMs = this.now();
    const skipBelow = this.options.onlyNewRecords
      ? this.endAtStart.get(batch.partition)
      : undefined;
    for (const message of batch.messages) {
      if (skipBelow !== undefined && BigInt(message.offset) < skipBelow) continue;
      this.apply(message, batch.partition, nowMs);
    }
  }

  private apply(message: KafkaMessage, partition: number, nowMs: number): void {
    const { table, logger } = this.options;
    const where = { topic: this.options.topic, partition, offset: message.offset };
    if (message.value === null) {
      const parts = message.key === null ? undefined : parseLockoutKey(message.key.toString());
      if (parts === undefined) {
        logger.warn(where, 'lockouts topic: a tombstone whose key is not rule/mode/scope:subject');
        this.counted('invalid');
        return;
      }
      table.remove(parts);
      this.counted('tombstone');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(message.value.toString());
    } catch {
      value = undefined;
    }
    const parsed = lockoutRecordSchema.safeParse(value);
    if (!parsed.success) {
      const version = (value as { version?: unknown } | undefined)?.version;
      logger.warn(
        { ...where, problem: parsed.error.issues[0]?.message },
        version === 1
          ? 'lockouts topic: a version-1 record (key scope:subject), not read: upgrade the detector that wrote it'
          : 'lockouts topic: a record that is not a lockout or release (contract 2), not read',
      );
      this.counted('invalid');
      return;
    }
    const record = parsed.data;
    if (record.type === 'lockout') table.applyLockout(record, nowMs);
    else table.remove(record, record);
    this.counted(record.type);
  }

  private counted(outcome: RecordOutcome): void {
    this.records[outcome] += 1;
  }

  private reached(partition: number, lastOffset: string): void {
    const target = this.behind.get(partition);
    if (target === undefined || BigInt(lastOffset) + 1n < target) return;
    this.behind.delete(partition);
    this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    if (this.caughtUpAt !== undefined || this.behind.size > 0) return;
    this.caughtUpAt = this.now();
    this.options.logger.info(
      { topic: this.options.topic, entries: this.options.table.size, ms: this.catchUpMs },
      'lockouts topic read up to its end at start: enforcing',
    );
    for (const resolve of this.caughtUpWaiters.splice(0)) resolve();
  }
}
