// Prometheus metrics: one registry, handles made once at start-up so the per-batch
// path only increments. Labels are bounded sets (outcome codes, rule ids, scopes):
// never an IP, a session, a user or a raw path.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PACKAGE_VERSION } from './package.js';

export interface ActiveLockoutCount {
  readonly labels: { readonly rule: string; readonly scope: string; readonly mode: string };
  readonly count: number;
}

export interface ScrapeSources {
  readonly readiness: () => Record<string, boolean>;
  /** False once the consumer has stopped for good (crashed without restart). */
  readonly consumerRunning: () => boolean;
  readonly activeLockouts: () => Iterable<ActiveLockoutCount>;
}

export class Metrics {
  readonly registry = new Registry();

  readonly events = new Counter({
    name: 'exfilguard_events_total',
    help: 'Input records consumed, by outcome: valid, or invalid with the rejection code.',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });

  readonly deadLetters = new Counter({
    name: 'exfilguard_dead_letters_total',
    help: 'Invalid input records published to the dead-letter topic.',
    registers: [this.registry],
  });

  readonly adminAuthFailures = new Counter({
    name: 'exfilguard_admin_auth_failures_total',
    help: 'Admin API calls refused for their credentials: missing, or a token not configured.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly lockouts = new Counter({
    name: 'exfilguard_lockouts_total',
    help: 'Lockout commands published, by rule, scope, severity and mode.',
    labelNames: ['rule', 'scope', 'severity', 'mode'] as const,
    registers: [this.registry],
  });

  readonly suppressed = new Counter({
    name: 'exfilguard_lockouts_suppressed_total',
    help: 'Rule hits on actors already locked out by the same rule (not announced again).',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly graced = new Counter({
    name: 'exfilguard_lockouts_graced_total',
    help: "Rule hits refused within the grace period of an operator's lift (not locked again).",
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly ruleEvaluations = new Counter({
    name: 'exfilguard_rule_evaluations_total',
    help: 'Windows updated and evaluated, by rule and mode (one per event, rule and scope).',
    labelNames: ['rule', 'mode'] as const,
    registers: [this.registry],
  });

  readonly ruleHits = new Counter({
    name: 'exfilguard_rule_hits_total',
    help: 'Evaluations whose fire condition held (lockout issued or suppressed), by rule and mode.',
    labelNames: ['rule', 'mode'] as const,
    registers: [this.registry],
  });

  readonly activeLockouts = new Gauge({
    name: 'exfilguard_active_lockouts',
    help: 'Lockouts published by this instance that are still in force, by rule, scope and mode.',
    labelNames: ['rule', 'scope', 'mode'] as const,
    registers: [this.registry],
    collect: () => this.readActiveLockouts(),
  });

  readonly consumerLag = new Gauge({
    name: 'exfilguard_consumer_lag_messages',
    help: 'Records behind the high watermark after the last batch, per assigned input partition.',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });

  readonly buildInfo = new Gauge({
    name: 'exfilguard_build_info',
    help: 'Always 1; the labels say which exfilguard version runs.',
    labelNames: ['version'] as const,
    registers: [this.registry],
  });

  readonly allowlisted = new Counter({
    name: 'exfilguard_allowlisted_events_total',
    help: 'Events left out of every rule because their address, user, session or route is allowlisted.',
    registers: [this.registry],
  });

  readonly crawlerEvents = new Counter({
    name: 'exfilguard_crawler_events_total',
    help: "Events of search engines' published crawler networks on public routes, counted by no rule.",
    registers: [this.registry],
  });

  readonly redelivered = new Counter({
    name: 'exfilguard_redelivered_observations_total',
    help: 'Window updates skipped because the record had been applied before (redelivery).',
    registers: [this.registry],
  });

  readonly batchDuration = new Histogram({
    name: 'exfilguard_batch_duration_seconds',
    help: 'Time to process one Kafka batch: parse, windows, publish, commit.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly detectionLatency = new Histogram({
    name: 'exfilguard_detection_latency_seconds',
    help: 'From the event time of the triggering event to the lockout being published.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly futureEvents = new Counter({
    name: 'exfilguard_future_events_total',
    help: 'Events dated more than EXFILGUARD_MAX_CLOCK_SKEW ahead of the wall clock, judged at the wall-clock time instead.',
    registers: [this.registry],
  });

  readonly backlogLockouts = new Counter({
    name: 'exfilguard_backlog_lockouts_total',
    help: 'Lockouts triggered by events older than EXFILGUARD_MAX_LATENESS by the wall clock (a backlog): left out of the detection latency.',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly storeDuration = new Histogram({
    name: 'exfilguard_redis_duration_seconds',
    help: 'Round trip of one batch to the window store (Redis).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly storeErrors = new Counter({
    name: 'exfilguard_redis_errors_total',
    help: 'Failed round trips to the window store; the batch is retried, nothing is committed.',
    registers: [this.registry],
  });

  readonly ruleReloads = new Counter({
    name: 'exfilguard_rule_reloads_total',
    help: 'Rule reloads after a file change, by outcome (success, failure: old rules stay).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly rulesLoaded = new Gauge({
    name: 'exfilguard_rules_loaded',
    help: 'Rules in force.',
    registers: [this.registry],
  });

  readonly ready = new Gauge({
    name: 'exfilguard_ready',
    help: '1 when a component is ready (kafka, redis, rules), else 0.',
    labelNames: ['component'] as const,
    registers: [this.registry],
    collect: () => this.readReadiness(),
  });

  readonly consumerRunning = new Gauge({
    name: 'exfilguard_consumer_running',
    help: '1 while the input consumer runs or restarts; 0 once it has stopped for good (crash without restart).',
    registers: [this.registry],
    collect: () => {
      if (this.sources) this.consumerRunning.set(this.sources.consumerRunning() ? 1 : 0);
    },
  });

  /** Read at every scrape (set by the composition root); undefined in replay and tests. */
  private sources: ScrapeSources | undefined;

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.buildInfo.set({ version: PACKAGE_VERSION }, 1);
    // Both outcomes exported from the start: Prometheus sees the first failure as an
    // increase from 0, not as a new series (which increase() cannot count).
    for (const outcome of ['success', 'failure']) this.ruleReloads.inc({ outcome }, 0);
  }

  /** Gauges that are states, not events: read from their owners when scraped. */
  readFrom(sources: ScrapeSources): void {
    this.sources = sources;
  }

  private readReadiness(): void {
    if (!this.sources) return;
    for (const [component, ready] of Object.entries(this.sources.readiness()))
      this.ready.set({ component }, ready ? 1 : 0);
  }

  private readActiveLockouts(): void {
    if (!this.sources) return;
    this.activeLockouts.reset();
    for (const { labels, count } of this.sources.activeLockouts())
      this.activeLockouts.set(labels, count);
  }
}
