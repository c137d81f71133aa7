// The admin API inside `exfilguard run`: the lockouts topic read into a directory of
// whole records, the audit trail (topic and log), the writer of operators' lockouts and
// releases, and the HTTP app on its own port (TLS when configured). Whoever opens a
// connection here closes it in stop().
import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import {
  AuditLog,
  LockoutDirectory,
  LockoutWriter,
  TokenAuthenticator,
  type SlowDownOptions,
} from '../admin/index.js';
import type { AdminConfig } from '../config.js';
import { LockoutSubscription } from '../enforce/index.js';
import { buildAdminApp } from '../http/admin-app.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { LiftRequest } from '../window/store.js';

export interface AdminServiceOptions {
  readonly config: AdminConfig;
  readonly kafka: Kafka;
  readonly topics: { readonly lockouts: string; readonly audit: string };
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
  readonly directory: LockoutDirectory;
  stop(): Promise<void>;
}

/** Expired records are dropped this often (they are already skipped on read). */
const SWEEP_EVERY_MS = 60_000;

export async function startAdmin(
  options: AdminServiceOptions,
  opened: (() => Promise<unknown> | void)[],
): Promise<RunningAdmin> {
  const { config, kafka, topics, metrics } = options;
  const logger = options.logger.child({ component: 'admin' });
  const directory = new LockoutDirectory();
  const subscription = new LockoutSubscription({
    kafka,
    topic: topics.lockouts,
    table: directory,
    logger,
    groupIdPrefix: 'exfilguard-admin',
  });
  opened.push(() => subscription.stop());
  await subscription.start();
  // Listening before the topic is read would list (and lift) from a partial view: the
  // port opens once the directory holds what the topic held at start.
  await subscription.untilCaughtUp();

  const audit = new AuditLog({ kafka, topic: topics.audit, logger });
  opened.push(() => audit.stop());
  await audit.start();

  const writer = new LockoutWriter(kafka, topics.lockouts);
  opened.push(() => writer.disconnect());
  await writer.connect();

  const sweeper = setInterval(() => directory.sweep(), SWEEP_EVERY_MS);
  sweeper.unref();
  opened.push(() => clearInterval(sweeper));

  const app = buildAdminApp({
    ...(config.tls && {
      https: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
    }),
    directory,
    tokens: new TokenAuthenticator(config.tokens),
    audit,
    publish: writer.publish,
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
    directory,
    stop: async () => {
      clearInterval(sweeper);
      await app.close();
      await writer.disconnect();
      await audit.stop();
      await subscription.stop();
    },
  };
}
