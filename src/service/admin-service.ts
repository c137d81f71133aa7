// The admin API inside `exfilguard run`: the audit trail (topic and log) and the HTTP
// app on its own port (TLS when configured), over the lockout control every detector
// runs (the lockouts topic read into a directory of whole records, and the writer of
// releases), which allowlist changes use too. Whoever opens a connection here closes it
// in stop().
import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import {
  AuditLog,
  LockoutDirectory,
  LockoutWriter,
  TokenAuthenticator,
  type PublishRecords,
  type SlowDownOptions,
} from '../admin/index.js';
import type { AdminConfig } from '../config.js';
import { LockoutSubscription } from '../enforce/index.js';
import { buildAdminApp } from '../http/admin-app.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { LiftRequest } from '../window/store.js';

/**
 * The lockouts in force as whole records, kept by every detector (admin API on or not):
 * a rule reload that widens an allowlist releases what it now covers, and the admin API
 * lists and lifts from the same directory. Its cost: one private consumer reading the
 * compacted lockouts topic, memory for the lockouts in force, one idle producer.
 */
export interface LockoutControl {
  readonly directory: LockoutDirectory;
  /** Resolves once the directory holds what the topic held at start. */
  untilCaughtUp(): Promise<void>;
  readonly publish: PublishRecords;
  stop(): Promise<void>;
}

/** Expired records are dropped this often (they are already skipped on read). */
const SWEEP_EVERY_MS = 60_000;

export async function startLockoutControl(
  kafka: Kafka,
  topic: string,
  parentLogger: Logger,
  opened: (() => Promise<unknown> | void)[],
): Promise<LockoutControl> {
  const logger = parentLogger.child({ component: 'lockout-directory' });
  const directory = new LockoutDirectory();
  const subscription = new LockoutSubscription({
    kafka,
    topic,
    table: directory,
    logger,
    groupIdPrefix: 'exfilguard-admin',
  });
  opened.push(() => subscription.stop());
  await subscription.start();

  const writer = new LockoutWriter(kafka, topic);
  opened.push(() => writer.disconnect());
  await writer.connect();

  const sweeper = setInterval(() => directory.sweep(), SWEEP_EVERY_MS);
  sweeper.unref();
  opened.push(() => clearInterval(sweeper));

  return {
    directory,
    untilCaughtUp: () => subscription.untilCaughtUp(),
    publish: writer.publish,
    stop: async () => {
      clearInterval(sweeper);
      await writer.disconnect();
      await subscription.stop();
    },
  };
}

export interface AdminServiceOptions {
  readonly config: AdminConfig;
  readonly kafka: Kafka;
  readonly topics: { readonly audit: string };
  readonly control: LockoutControl;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Rule id → window (ms) of the rules in force: a lift's default grace. */
  readonly rules: () => ReadonlyMap<string, number>;
  /** The window store's lift; undefined until the store has one. */
  readonly lift?: (request: LiftRequest) => Promise<void>;
  readonly slowDown?: SlowDownOptions;
}

export interface RunningAdmin {
  /** e.g. https://127.0.0.1:9479 */
  readonly url: string;
  readonly audit: AuditLog;
  stop(): Promise<void>;
}

export async function startAdmin(
  options: AdminServiceOptions,
  opened: (() => Promise<unknown> | void)[],
): Promise<RunningAdmin> {
  const { config, kafka, topics, metrics, control } = options;
  const logger = options.logger.child({ component: 'admin' });
  // Listening before the topic is read would list (and lift) from a partial view: the
  // port opens once the directory holds what the topic held at start.
  await control.untilCaughtUp();

  const audit = new AuditLog({ kafka, topic: topics.audit, logger });
  opened.push(() => audit.stop());
  await audit.start();

  const app = buildAdminApp({
    ...(config.tls && {
      https: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
    }),
    directory: control.directory,
    tokens: new TokenAuthenticator(config.tokens),
    audit,
    publish: control.publish,
    ...(options.lift && { lift: options.lift }),
    rules: options.rules,
    logger,
    ...(options.slowDown && { slowDown: options.slowDown }),
    onAuthFailure: (reason) => metrics.adminAuthFailures.inc({ reason }),
  });
  opened.push(() => app.close());
  const url = await app.listen({ host: config.host, port: config.port });
  logger.info({ url, tokens: config.tokens.length }, 'admin API listening');

  return {
    url,
    audit,
    stop: async () => {
      await app.close();
      await audit.stop();
    },
  };
}
