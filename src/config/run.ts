// The configuration of `exfilguard run`, the streaming detector: every variable checked,
// those of the other commands too (one environment serves them all).
import type { z } from 'zod';
import type { AdminToken } from '../admin/index.js';
import type { LogFormat } from '../log.js';
import { environmentFields } from './fields.js';
import { checkSasl, kafkaSections, type KafkaSection, type TopicNames } from './kafka.js';
import { parseEnvironment } from './parse.js';

const environmentSchema = environmentFields.strict().superRefine((env, ctx) => {
  if (!env.REDIS_URL === !env.REDIS_CLUSTER_NODES) {
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_URL'],
      message: 'set exactly one of EXFILGUARD_REDIS_URL and EXFILGUARD_REDIS_CLUSTER_NODES',
    });
  }
  checkSasl(env, ctx);
  if (!env.ADMIN_TLS_CERT_FILE !== !env.ADMIN_TLS_KEY_FILE) {
    ctx.addIssue({
      code: 'custom',
      path: ['ADMIN_TLS_CERT_FILE'],
      message:
        'TLS for the admin port needs both EXFILGUARD_ADMIN_TLS_CERT_FILE and EXFILGUARD_ADMIN_TLS_KEY_FILE',
    });
  }
  if (env.ADMIN_PORT !== undefined && (env.ADMIN_TOKENS ?? []).length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['ADMIN_TOKENS'],
      message:
        'the admin API (EXFILGUARD_ADMIN_PORT) needs at least one token: name:role:sha256-hex',
    });
  }
});

export type Environment = z.output<typeof environmentSchema>;

export interface Config {
  readonly kafka: KafkaSection;
  readonly topics: TopicNames;
  readonly inputFormat: 'auto' | 'json' | 'combined';
  readonly redis: {
    readonly url?: string;
    readonly clusterNodes?: readonly string[];
    readonly retryMinMs: number;
    readonly retryMaxMs: number;
    readonly commandTimeoutMs: number;
    /** Every key this instance writes starts with it; the key-secret marker is under it. */
    readonly keyPrefix: string;
  };
  readonly keySecret: string;
  readonly eventTime: { readonly maxClockSkewMs: number; readonly maxLatenessMs: number };
  readonly rules: { readonly dirs: readonly string[]; readonly shipped: boolean };
  readonly http: { readonly host: string; readonly port: number };
  /** The admin API; absent: off. */
  readonly admin?: AdminConfig;
  readonly logLevel: Environment['LOG_LEVEL'];
  readonly logFormat: LogFormat;
}

export interface AdminConfig {
  readonly host: string;
  readonly port: number;
  readonly tokens: readonly AdminToken[];
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** Reads the EXFILGUARD_* variables; throws CONFIG_INVALID naming every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return toConfig(parseEnvironment(environmentSchema, env));
}

function toConfig(env: Environment): Config {
  return {
    ...kafkaSections(env),
    inputFormat: env.INPUT_FORMAT,
    redis: {
      ...(env.REDIS_URL && { url: env.REDIS_URL }),
      ...(env.REDIS_CLUSTER_NODES && { clusterNodes: env.REDIS_CLUSTER_NODES }),
      retryMinMs: env.REDIS_RETRY_MIN,
      retryMaxMs: env.REDIS_RETRY_MAX,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT,
      keyPrefix: env.REDIS_KEY_PREFIX,
    },
    keySecret: env.KEY_SECRET,
    eventTime: { maxClockSkewMs: env.MAX_CLOCK_SKEW, maxLatenessMs: env.MAX_LATENESS },
    rules: { dirs: env.RULES_DIRS, shipped: env.SHIPPED_RULES },
    http: { host: env.HTTP_HOST, port: env.HTTP_PORT },
    ...(env.ADMIN_PORT !== undefined && { admin: adminConfigOf(env, env.ADMIN_PORT) }),
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
  };
}

function adminConfigOf(env: Environment, port: number): AdminConfig {
  return {
    host: env.ADMIN_HOST,
    port,
    tokens: env.ADMIN_TOKENS ?? [],
    ...(env.ADMIN_TLS_CERT_FILE &&
      env.ADMIN_TLS_KEY_FILE && {
        tls: { certFile: env.ADMIN_TLS_CERT_FILE, keyFile: env.ADMIN_TLS_KEY_FILE },
      }),
  };
}
