// One consumed batch through the engine and out: the streaming path's sequence.
//   events → pipeline (window store) → publish + commit (one transaction) → confirm
// A store failure is retried with backoff for as long as the batch is ours; nothing
// is committed meanwhile (the source commits only when this resolves true).
import { ExfilguardError } from '../vocabulary/errors.js';
import type { LockoutCommand } from '../decide/lockout.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { type BatchOutput, BatchTally, type DetectionPipeline } from '../pipeline/index.js';
import type { Publisher } from '../sink/publisher.js';
import type { BatchControl, ConsumedBatch } from '../source/kafka.js';
import { ActiveLockouts } from './active-lockouts.js';

export interface Backoff {
  readonly minMs: number;
  readonly maxMs: number;
}

export interface StoreHealth {
  storeReady: boolean;
}

export class BatchProcessor {
  constructor(
    private readonly pipeline: DetectionPipeline,
    private readonly publisher: Publisher,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly backoff: Backoff,
    /** A lockout whose triggering event is older than this by the wall clock is a backlog's. */
    private readonly backlogAfterMs: number,
    readonly health: StoreHealth = { storeReady: true },
    readonly activeLockouts = new ActiveLockouts(),
  ) {}

  readonly handle = async (batch: ConsumedBatch, control: BatchControl): Promise<boolean> => {
    const stopTimer = this.metrics.batchDuration.startTimer();
    // Filled once the store has answered: a batch retried after a store failure counts once.
    const tally = new BatchTally();
    const output = await this.withStoreRetry(control, () =>
      this.pipeline.process(batch.events, batch.positions, tally),
    );
    if (!output) return false;
    // Published and committed together (one Kafka transaction), or just committed.
    if (output.lockouts.length > 0 || batch.rejected.length > 0) {
      await this.publisher.publishAndCommit(output.lockouts, batch.rejected, batch.commitPoint);
    } else {
      await batch.commit();
    }
    const confirmed = await this.withStoreRetry(control, () =>
      this.pipeline.confirm(output).then(() => true),
    );
    if (!confirmed) return false;
    this.count(batch, output, tally);
    stopTimer();
    return true;
  };

  private count(batch: ConsumedBatch, output: BatchOutput, tally: BatchTally): void {
    const { metrics } = this;
    metrics.events.inc({ outcome: 'valid', reason: '' }, batch.events.length);
    for (const rejected of batch.rejected)
      metrics.events.inc({ outcome: 'invalid', reason: rejected.rejection.code });
    metrics.deadLetters.inc(batch.rejected.length);
    metrics.allowlisted.inc(tally.allowlisted);
    metrics.crawlerEvents.inc(tally.crawlers);
    metrics.redelivered.inc(tally.redelivered);
    for (const activity of tally.byRule) {
      const labels = { rule: activity.rule, mode: activity.mode };
      metrics.ruleEvaluations.inc(labels, activity.evaluations);
      if (activity.hits > 0) metrics.ruleHits.inc(labels, activity.hits);
      if (activity.suppressed > 0)
        metrics.suppressed.inc({ rule: activity.rule }, activity.suppressed);
      if (activity.graced > 0) metrics.graced.inc({ rule: activity.rule }, activity.graced);
    }
    metrics.consumerLag.set(
      { topic: batch.topic, partition: String(batch.partition) },
      batch.lagAfter,
    );
    metrics.futureEvents.inc(batch.retimed);
    this.countLockouts(output.lockouts);
  }

  private countLockouts(lockouts: readonly LockoutCommand[]): void {
    const { metrics } = this;
    const now = Date.now();
    for (const lockout of lockouts) {
      this.activeLockouts.add(lockout);
      metrics.lockouts.inc({
        rule: lockout.rule,
        scope: lockout.scope,
        severity: lockout.severity,
        mode: lockout.mode,
      });
      // A backlog's lockouts (judged after an outage) would read as hours of latency and
      // fire the latency alert: counted apart. Consumer lag has its own alert.
      const ageMs = Math.max(0, now - Date.parse(lockout.eventTime));
      if (ageMs > this.backlogAfterMs) metrics.backlogLockouts.inc({ rule: lockout.rule });
      else metrics.detectionLatency.observe(ageMs / 1000);
      // Who, by which rule, until when: what an operator reading the log needs to act
      // (the same facts the lockouts topic carries).
      const { id, rule, scope, subject, mode, severity, expiresAt } = lockout;
      this.logger.warn(
        { lockout: { id, rule, scope, subject, mode, severity, expiresAt } },
        `lockout of ${scope}:${subject} by ${rule} (${mode}): ${lockout.reason}`,
      );
    }
  }

  /**
   * Runs a store call until it succeeds; while the store is away, waits with growing
   * pauses (heartbeating, so the group keeps the partition). Undefined when the batch
   * stopped being ours first.
   */
  private async withStoreRetry<T>(
    control: BatchControl,
    call: () => Promise<T>,
  ): Promise<T | undefined> {
    let waitMs = this.backoff.minMs;
    for (;;) {
      if (!control.shouldContinue()) return undefined;
      const stopTimer = this.metrics.storeDuration.startTimer();
      try {
        const value = await call();
        stopTimer();
        this.setStoreReady(true);
        return value;
      } catch (error) {
        if (!(error instanceof ExfilguardError) || !error.retriable) throw error;
        this.metrics.storeErrors.inc();
        this.setStoreReady(false);
        this.logger.warn(
          { err: error, retryInMs: waitMs },
          'window store unavailable; batch held, nothing committed',
        );
        await sleep(waitMs);
        await control.heartbeat().catch(() => undefined);
        waitMs = Math.min(this.backoff.maxMs, waitMs * 2);
      }
    }
  }

  private setStoreReady(ready: boolean): void {
    if (this.health.storeReady === ready) return;
    this.health.storeReady = ready;
    if (ready) this.logger.info('window store reachable again; resuming');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
