// `exfilguard run`, assembled: the composition root of the streaming path. It owns
// start-up and shutdown order — whoever opens a connection closes it:
//   rules → Redis (window store) → Kafka topics, producer → pipeline → HTTP → lockout
//   directory → admin API (when configured) → consumer → watcher (and allowlist releases)
import type { Kafka } from 'kafkajs';
import type { Config } from '../config.js';
import { redactedConfig } from '../config.js';
import { buildApp } from '../http/app.js';
import { createKafka, ensureTopics, kafkaStartupError } from '../clients/kafka.js';
import type { Logger } from '../log.js';
import { Metrics } from '../metrics.js';
import { DetectionPipeline } from '../pipeline/index.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { loadRules, type RuleSources } from '../rules/shipped.js';
import { DistinctHash } from '../detect/index.js';
import { RuleWatcher } from '../rules/watch.js';
import { contentsOf, describeRuleChanges } from '../rules/diff.js';
import { Publisher } from '../sink/publisher.js';
import { KafkaSource } from '../source/kafka.js';
import { connectRedis } from '../clients/redis.js';
import { RedisWindowStore } from '../window/redis-store.js';
import { checkKeySecret } from './key-secret-check.js';
import type { WindowStore } from '../window/store.js';
import { BatchProcessor } from './batch-processor.js';
import type { StartOptions } from './key-secret-check.js';
import { AllowlistReleaser } from '../admin/index.js';
import type { AllowlistCoverage } from '../rules/allowlist-coverage.js';
import {
  startAdmin,
  startLockoutControl,
  type LockoutControl,
  type RunningAdmin,
} from './admin-service.js';

export interface RunningDetector {
  /** The HTTP address, e.g. http://127.0.0.1:9477. */
  readonly url: string;
  readonly metrics: Metrics;
  /** The admin API's address, when EXFILGUARD_ADMIN_PORT is set. */
  readonly adminUrl?: string;
  /** Finishes the batch in flight, commits, disconnects everything. */
  stop(): Promise<void>;
}

export type { StartOptions } from './key-secret-check.js';
export async function startDetector(
  config: Config,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningDetector> {
  logger.info({ config: redactedConfig(config) }, 'starting exfilguard run');
  const metrics = new Metrics();
  const { compiled, ruleSet } = await loadRules(ruleSourcesOf(config));
  metrics.rulesLoaded.set(ruleSet.rules.length);
  if (ruleSet.warnings.length > 0) logger.warn({ warnings: ruleSet.warnings }, 'rule warnings');

  // What is open so far, closed in reverse if start-up fails: a refused start must end
  // the process with its error, not leave it hanging on an open connection.
  const opened: (() => Promise<unknown> | void)[] = [];
  try {
    return await assemble(config, logger, metrics, compiled, ruleSet.rules.length, opened, options);
  } catch (error) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw kafkaStartupError(error, config);
  }
}

async function assemble(
  config: Config,
  logger: Logger,
  metrics: Metrics,
  compiled: CompiledRuleSet,
  ruleCount: number,
  opened: (() => Promise<unknown> | void)[],
  options: StartOptions,
): Promise<RunningDetector> {
  const ruleSources = ruleSourcesOf(config);
  const { redis, store } = await connectStore(config, logger, options, opened);
  const pipeline = new DetectionPipeline(compiled, store);

  const kafka = createKafka(config, logger);
  if (config.kafka.createTopics) {
    const created = await ensureTopics(kafka, config);
    if (created.length > 0) logger.info({ topics: created }, 'created topics');
  }
  const publisher = await connectPublisher(kafka, config, logger, opened);
  const processor = batchProcessor(pipeline, publisher, metrics, config, logger);
  const source = inputSource(kafka, config, metrics, logger);

  const readiness = observed(metrics, redis, source, processor, pipeline);
  const app = buildApp({
    registry: metrics.registry,
    readiness: { checks: readiness },
    deadBecause: () => source.stoppedReason,
  });
  opened.push(() => app.close());
  const url = await app.listen({ host: config.http.host, port: config.http.port });

  const { control, admin } = await lockouts(
    config,
    kafka,
    pipeline,
    store,
    metrics,
    logger,
    opened,
  );

  opened.push(() => source.stop());
  await source.start(processor.handle);

  const releaser = allowlistReleaser(control, store, admin, logger);
  const watcher = watchRules(ruleSources, pipeline, metrics, logger, releaser);
  logger.info({ url, rules: ruleCount }, 'exfilguard run is consuming');

  return {
    url,
    metrics,
    ...(admin && { adminUrl: admin.url }),
    stop: async () => {
      await watcher.close();
      await admin?.stop();
      await control.stop();
      await source.stop();
      await publisher.disconnect();
      await app.close();
      redis.disconnect();
      logger.info('stopped');
    },
  };
}

/** Redis and the window store on it, once the key secret is known to be the state's. */
async function connectStore(
  config: Config,
  logger: Logger,
  options: StartOptions,
  opened: (() => Promise<unknown> | void)[],
): Promise<{ redis: ReturnType<typeof connectRedis>; store: RedisWindowStore }> {
  const redis = connectRedis(config.redis);
  opened.push(() => redis.disconnect());
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  await checkKeySecret(redis, config, logger, options);
  return { redis, store: new RedisWindowStore(redis, config.keySecret, config.redis.keyPrefix) };
}

/** What readiness checks, and what the metrics read at each scrape. */
function observed(
  metrics: Metrics,
  redis: ReturnType<typeof connectRedis>,
  source: KafkaSource,
  processor: BatchProcessor,
  pipeline: DetectionPipeline,
): () => Record<'kafka' | 'redis' | 'rules', boolean> {
  const readiness = () => ({
    kafka: source.ready,
    redis: redis.status === 'ready' && processor.health.storeReady,
    rules: pipeline.rules.rules.length > 0,
  });
  metrics.readFrom({
    readiness,
    consumerRunning: () => source.stoppedReason === undefined,
    activeLockouts: () => processor.activeLockouts.counts(),
  });
  return readiness;
}

/**
 * The lockout directory, always; the admin API over it when EXFILGUARD_ADMIN_PORT is set,
 * on the same Kafka client.
 */
async function lockouts(
  config: Config,
  kafka: Kafka,
  pipeline: DetectionPipeline,
  store: WindowStore,
  metrics: Metrics,
  logger: Logger,
  opened: (() => Promise<unknown> | void)[],
): Promise<{ control: LockoutControl; admin?: RunningAdmin }> {
  const control = await startLockoutControl(kafka, config.topics.lockouts, logger, opened);
  if (!config.admin) return { control };
  const admin = await startAdmin(
    {
      config: config.admin,
      kafka,
      topics: config.topics,
      control,
      logger,
      metrics,
      // Read at each lift, so a rule reload changes the default grace.
      rules: () => new Map(pipeline.rules.rules.map((r) => [r.rule.id, r.window.windowMs])),
      // A lifted subject's windows and lockout state are cleared in the shared store,
      // for every instance, with the grace the operator chose.
      lift: (request) => store.lift(request),
    },
    opened,
  );
  return { control, admin };
}

/** Releases by the rule loader, once across instances (elected in the shared Redis). */
function allowlistReleaser(
  control: LockoutControl,
  store: RedisWindowStore,
  admin: RunningAdmin | undefined,
  logger: Logger,
): AllowlistReleaser {
  return new AllowlistReleaser({
    // Read to the topic's end first: a reload soon after start must see every lockout.
    inForce: async () => {
      await control.untilCaughtUp();
      return control.directory.inForce();
    },
    publish: control.publish,
    // One day: far longer than the instances' reloads of one change are apart; by then the
    // release is in every directory, so no instance plans that id again.
    claim: (releaseId) => store.claimOnce(`allowlist-release:${releaseId}`, 86_400),
    lift: (request) => store.lift(request),
    ...(admin && { audit: admin.audit }),
    logger: logger.child({ component: 'allowlist-release' }),
  });
}

/** The streaming path's batch handler, as configured. */
function batchProcessor(
  pipeline: DetectionPipeline,
  publisher: Publisher,
  metrics: Metrics,
  config: Config,
  logger: Logger,
): BatchProcessor {
  // While Redis is away, a batch is retried with pauses growing between these.
  const backoff = { minMs: config.redis.retryMinMs, maxMs: config.redis.retryMaxMs };
  const batchLogger = logger.child({ component: 'batch' });
  const { maxLatenessMs } = config.eventTime;
  return new BatchProcessor(pipeline, publisher, metrics, batchLogger, backoff, maxLatenessMs);
}

/** The producer of lockouts and dead letters, connected, with the topics' size limits learned. */
async function connectPublisher(
  kafka: Kafka,
  config: Config,
  logger: Logger,
  opened: (() => Promise<unknown> | void)[],
): Promise<Publisher> {
  const { clientId, transactionalId } = config.kafka;
  const publisher = new Publisher(kafka, config.topics, clientId, transactionalId);
  opened.push(() => publisher.disconnect());
  const limitsProblem = await publisher.connect();
  if (limitsProblem) logger.warn(limitsProblem);
  return publisher;
}

/** The consumer group on the input topic, as configured. */
function inputSource(kafka: Kafka, config: Config, metrics: Metrics, logger: Logger): KafkaSource {
  return new KafkaSource(
    kafka,
    {
      groupId: config.kafka.groupId,
      topic: config.topics.input,
      format: config.inputFormat,
      eventTime: config.eventTime,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      maxBytesPerPartition: config.kafka.maxBytesPerPartition,
      partitionsConsumedConcurrently: config.kafka.concurrentPartitions,
      // A partition taken away is another member's lag now.
      onAssigned: () => metrics.consumerLag.reset(),
    },
    logger.child({ component: 'consumer' }),
  );
}

/**
 * Hot reload: a good change replaces the rules in force; a bad one is refused and logged.
 * A change that widens an allowlist then releases the lockouts in force it now covers.
 * The log line says what the reload changed against the rules in force before it, so an
 * operator can confirm an edit took (allowlisted addresses and users counted, not named).
 * Exported for its test.
 */
export function watchRules(
  sources: Config['rules'],
  pipeline: DetectionPipeline,
  metrics: Metrics,
  logger: Logger,
  releaser: AllowlistReleaser,
): { close(): Promise<void> } {
  // Releases run one reload after another, in order, off the watcher's callback.
  let releasing: Promise<unknown> = Promise.resolve();
  const release = (before: AllowlistCoverage, after: AllowlistCoverage) => {
    releasing = releasing
      .then(() => releaser.reloaded(before, after))
      .catch((error: unknown) =>
        logger.error({ err: error }, 'allowlist release: the lockouts in force were not checked'),
      );
  };
  const watcher = new RuleWatcher(sources, {
    onReload: (rules, files, warnings) => {
      const before = pipeline.rules;
      pipeline.replaceRules(rules);
      release(before.allowlist.coverage, rules.allowlist.coverage);
      if (warnings.length > 0) logger.warn({ warnings }, 'rule warnings');
      metrics.ruleReloads.inc({ outcome: 'success' });
      metrics.rulesLoaded.set(rules.rules.length);
      const changes = describeRuleChanges(contentsOf(before), contentsOf(rules));
      logger.info(
        { changes, rules: rules.rules.length, files },
        changes.length > 0 ? 'rules reloaded' : 'rules reloaded: no change',
      );
    },
    onRefused: (error) => {
      metrics.ruleReloads.inc({ outcome: 'failure' });
      logger.error(
        { err: { message: error.message } },
        'rule change refused; the rules in force stay',
      );
    },
  });
  watcher.start();
  return {
    close: async () => {
      watcher.close();
      await releasing;
    },
  };
}

/** The rule folders, with breadth bitmaps keyed by the key secret (replay takes the same). */
function ruleSourcesOf(config: Config): RuleSources {
  return { ...config.rules, distinctHash: DistinctHash.fromSecret(config.keySecret) };
}
