// The settings of `exfilguard run` beside Kafka: the Redis window store and its key
// secret, the rules, the health port, the event-time limits, the logs.
import { z } from 'zod';
import type { LogFormat } from '../log.js';
import { settingDocs } from './setting-docs.js';
import { bool, durationMs, list, port } from './values.js';

const ONE_REDIS = '(one of the two required)';

export const runFields = {
  REDIS_URL: z
    .url()
    .optional()
    .register(settingDocs, {
      unset: ONE_REDIS,
      description:
        'the window store: one Redis, e.g. `redis://host:6379` (`rediss://` for TLS; its ' +
        'credentials are masked in the logs)',
    }),
  REDIS_CLUSTER_NODES: list.optional().register(settingDocs, {
    unset: ONE_REDIS,
    description: 'or a Redis Cluster: `host:port,…` of some of its nodes',
  }),
  // No braces: a Redis Cluster hash tag follows the prefix in every key.
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'letters, digits, ".", "_", ":" and "-" only, at most 64')
    .default('eg')
    .register(settingDocs, {
      description:
        'every Redis key starts with it, and so does the key-secret marker ' +
        '`<prefix>:key-secret`: `run` refuses to start when Redis holds state made under ' +
        'another `EXFILGUARD_KEY_SECRET` (`run --rotate-key-secret` changes the secret on ' +
        'purpose). One deployment, one prefix: a separate deployment or a test on the same ' +
        'Redis takes its own (letters, digits, `.`, `_`, `:`, `-`)',
    }),
  KEY_SECRET: z
    .string()
    .min(32, { message: 'use at least 32 characters, e.g. "openssl rand -hex 32"' })
    .register(settingDocs, {
      unset: '(required, ≥ 32 chars)',
      description:
        'HMAC key for Redis key names, window names and stored ids: a Redis dump names no ' +
        'IP, user, route or id (below); e.g. `openssl rand -hex 32`. `replay` and ' +
        '`rules test` given it decide as the detector does (see [Rules](#rules))',
    }),
  REDIS_RETRY_MIN: durationMs.default(200).register(settingDocs, {
    description:
      'while Redis is away, the shortest wait before reconnecting and before a held batch ' +
      '(or the start-up key-secret check) is tried again; the waits double, up to ' +
      '`EXFILGUARD_REDIS_RETRY_MAX`',
  }),
  REDIS_RETRY_MAX: durationMs.default(5000).register(settingDocs, {
    description: 'the longest of those waits',
  }),
  REDIS_COMMAND_TIMEOUT: durationMs.default(2000).register(settingDocs, {
    description:
      'how long a Redis command may take: past it the command fails and the batch is held ' +
      'and retried (nothing committed)',
  }),
  RULES_DIRS: list.default([]).register(settingDocs, {
    description: 'your rule folders (`dir,…`), on top of the shipped rules; watched and reloaded',
  }),
  SHIPPED_RULES: bool.default(true).register(settingDocs, {
    description: '`false`: only the rules of your folders',
  }),
  HTTP_HOST: z.string().min(1).default('0.0.0.0').register(settingDocs, {
    description: 'address of `/healthz`, `/readyz`, `/metrics`',
  }),
  HTTP_PORT: port.default(9477).register(settingDocs, {
    description: 'their port',
  }),
  MAX_CLOCK_SKEW: durationMs.default(30_000).register(settingDocs, {
    description:
      'an event dated further ahead of the wall clock is judged at the wall-clock time ' +
      'instead (counted in `exfilguard_future_events_total`)',
  }),
  MAX_LATENESS: durationMs.default(3_600_000).register(settingDocs, {
    description:
      'an event further behind the newest event of its partition is dead-lettered ' +
      '(`EVENT_TOO_LATE`), not judged',
  }),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .register(settingDocs, {
      description:
        '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`; secrets are redacted',
    }),
  LOG_FORMAT: z
    .enum(['json', 'pretty'] satisfies LogFormat[])
    .default('json')
    .register(settingDocs, {
      description:
        '`json`: pino JSON lines, for a log collector; `pretty`: one readable line per entry, ' +
        'for a terminal',
    }),
};

export type LogLevel = z.output<typeof runFields.LOG_LEVEL>;
