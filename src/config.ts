// The only reader of process.env. Parsed once, at start-up, by one strict zod schema:
// a typo in an EXFILGUARD_* name is an error, not a default silently in force, and
// every problem is named with the variable and what it expects.
import { z } from 'zod';
import { ExfilguardError } from './vocabulary/errors.js';
import { REDACTED, redactUrlCredentials, type LogFormat } from './log.js';
import { parseDuration } from './vocabulary/units.js';
import { parseCidr } from './normalize/index.js';
import type { AdminRole, AdminToken } from './admin/index.js';

const PREFIX = 'EXFILGUARD_';

const list = z.string().transform((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));

const port = z.coerce.number().int().min(0).max(65535);

const durationMs = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like "500ms", "5s" or "1m", got "${text}"`,
    });
    return z.NEVER;
  }
  return ms;
});

/** A header or cookie name (RFC 9110 token characters). */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'a header or cookie name, e.g. "X-User"');

function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

const topicName = z
  .string()
  .min(1)
  .max(249)
  .refine((name) => /^[a-zA-Z0-9._-]+$/.test(name), {
    message: 'letters, digits, ".", "_" and "-" only',
  });

/** The topics' names when EXFILGUARD_INPUT_TOPIC, _LOCKOUT_TOPIC, _DEAD_LETTER_TOPIC are unset. */
export const TOPIC_DEFAULTS = {
  input: 'access-logs',
  lockouts: 'lockouts',
  deadLetters: 'access-logs.dlq',
  audit: 'exfilguard.audit',
} as const;

const ADMIN_TOKEN = /^([A-Za-z0-9._-]{1,64}):(viewer|operator|admin):([0-9a-f]{64})$/;

const adminTokens = list.transform((entries, ctx) => {
  const tokens: AdminToken[] = [];
  const names = new Set<string>();
  entries.forEach((entry, i) => {
    const match = ADMIN_TOKEN.exec(entry);
    if (!match) {
      // The entry is not echoed: a token pasted in clear by mistake must not reach the log.
      ctx.addIssue({
        code: 'custom',
        message:
          `entry ${i + 1} is not name:role:sha256-hex (role viewer, operator or admin; the hex ` +
          'SHA-256 of the token, e.g. "alice:operator:$(printf %s "$TOKEN" | sha256sum | cut -c1-64)")',
      });
      return;
    }
    const [, name, role, hash] = match as unknown as [string, string, AdminRole, string];
    if (names.has(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `the name "${name}" is used twice: names are the audit trail's "who"`,
      });
    }
    names.add(name);
    tokens.push({ name, role, hash });
  });
  return tokens;
});

/** Variables without the EXFILGUARD_ prefix, as the schema sees them. */
const environmentFields = z.object({
  KAFKA_BROKERS: list.refine((brokers) => brokers.length > 0, {
    message: 'name at least one host:port',
  }),
  KAFKA_CLIENT_ID: z.string().min(1).default('exfilguard'),
  /**
   * This instance's own transactional id, stable across its restarts (e.g. a StatefulSet
   * pod name): a restart then aborts at once a transaction its predecessor left open.
   * Unset: a random one per process. Never the same for two running instances.
   */
  KAFKA_TRANSACTIONAL_ID: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
    .optional(),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_TLS: bool.default(false),
  KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
  GROUP_ID: z.string().min(1).default('exfilguard'),
  /**
   * How long the group waits for a silent member before giving its partitions away; also
   * how long a restarted instance waits for its dead predecessor's session to end before
   * it is ready (kafkajs has no static membership). 10 s rather than kafkajs' 30 s: a
   * restart is ready in ~10 s; the cost is that a member silent for 10 s (a frozen
   * process, a batch that never heartbeats) loses its partitions and its batch is redone.
   */
  KAFKA_SESSION_TIMEOUT: durationMs.default(10_000),
  /** Largest fetch per partition: smaller batches lower latency, larger ones raise throughput. */
  KAFKA_MAX_BYTES_PER_PARTITION: z.coerce
    .number()
    .int()
    .min(1024)
    .max(104_857_600)
    .default(1_048_576),
  /** Partitions' batches processed at once: their window-store calls overlap. */
  KAFKA_CONCURRENT_PARTITIONS: z.coerce.number().int().min(1).max(64).default(2),
  INPUT_TOPIC: topicName.default(TOPIC_DEFAULTS.input),
  INPUT_FORMAT: z.enum(['auto', 'json', 'combined']).default('auto'),
  LOCKOUT_TOPIC: topicName.default(TOPIC_DEFAULTS.lockouts),
  DEAD_LETTER_TOPIC: topicName.default(TOPIC_DEFAULTS.deadLetters),
  /** Who changed which lockout: not compacted, long retention (ensureTopics). */
  AUDIT_TOPIC: topicName.default(TOPIC_DEFAULTS.audit),
  CREATE_TOPICS: bool.default(true),
  /** Partitions of topics this process creates (an existing topic keeps its own). */
  TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(12),
  REDIS_URL: z.url().optional(),
  REDIS_CLUSTER_NODES: list.optional(),
  /**
   * Every Redis key this instance writes starts with it, and the key-secret marker lives
   * under it: instances of one deployment share it; another deployment (or a test) on the
   * same Redis takes its own. No braces (a Redis Cluster hash tag follows it).
   */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'letters, digits, ".", "_", ":" and "-" only, at most 64')
    .default('eg'),
  /** The HMAC key for Redis key names: who can read Redis cannot tell whose windows they are. */
  KEY_SECRET: z
    .string()
    .min(32, { message: 'use at least 32 characters, e.g. "openssl rand -hex 32"' }),
  RULES_DIRS: list.default([]),
  SHIPPED_RULES: bool.default(true),
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  HTTP_PORT: port.default(9477),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` lines for a log collector; `pretty` one readable line per entry for a terminal. */
  LOG_FORMAT: z.enum(['json', 'pretty'] satisfies LogFormat[]).default('json'),
  /** First and largest wait between retries while Redis is away. */
  REDIS_RETRY_MIN: durationMs.default(200),
  REDIS_RETRY_MAX: durationMs.default(5000),
  /** How long a Redis command may take before the batch is retried. */
  REDIS_COMMAND_TIMEOUT: durationMs.default(2000),
  /** An event dated further ahead of the wall clock is judged at the wall-clock time. */
  MAX_CLOCK_SKEW: durationMs.default(30_000),
  /** An event further behind its partition's newest event is dead-lettered, not judged. */
  MAX_LATENESS: durationMs.default(3_600_000),
  // The admin API of `exfilguard run` (lockouts listed, added, lifted; the audit trail).
  /** Unset: no admin API. */
  ADMIN_PORT: port.optional(),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  /** `name:role:sha256-hex` entries: the tokens' hashes, never the tokens. */
  ADMIN_TOKENS: adminTokens.optional(),
  ADMIN_TLS_CERT_FILE: z.string().min(1).optional(),
  ADMIN_TLS_KEY_FILE: z.string().min(1).optional(),
  // `exfilguard enforce` (the gateway side).
  ENFORCE_HOST: z.string().min(1).default('127.0.0.1'),
  ENFORCE_PORT: port.default(9478),
  /** While the table cannot be vouched for: allow (`open`) or refuse (`closed`) every request. */
  ENFORCE_FAIL_MODE: z.enum(['open', 'closed']).default('open'),
  /** No successful fetch from the broker for this long: the table is stale. */
  ENFORCE_STALE_AFTER: durationMs.default(30_000),
  /** Callers whose X-Forwarded-For / X-Real-IP is believed. */
  ENFORCE_TRUSTED_PROXIES: list
    .refine((cidrs) => cidrs.every(isCidr), {
      message: 'expected CIDRs or addresses, e.g. "127.0.0.1/32,10.0.0.0/8,::1"',
    })
    .default(['127.0.0.0/8', '::1/128']),
  ENFORCE_CLIENT_ADDRESS_HEADER: z
    .enum(['x-forwarded-for', 'x-real-ip'])
    .default('x-forwarded-for'),
  ENFORCE_SESSION_COOKIE: headerName.optional(),
  ENFORCE_SESSION_HEADER: headerName.optional(),
  ENFORCE_SESSION_HASH: z.enum(['none', 'sha256']).default('none'),
  ENFORCE_SESSION_HASH_LENGTH: z.coerce.number().int().min(8).max(64).default(64),
  ENFORCE_USER_HEADER: headerName.optional(),
  /**
   * CrowdSec bouncers' API keys, as `name:sha256-hex` pairs (the key itself is never
   * configured in clear). Unset: the CrowdSec-compatible endpoints answer 404.
   */
  ENFORCE_BOUNCER_KEYS: list
    .refine((pairs) => pairs.every((pair) => /^[A-Za-z0-9._-]{1,64}:[0-9a-f]{64}$/.test(pair)), {
      message:
        'expected name:sha256-hex pairs, e.g. "nginx-bouncer:$(printf %s "$KEY" | sha256sum | cut -c1-64)"',
    })
    .optional(),
  // `exfilguard lockouts` (a client of the admin API).
  /** Where the admin API listens, e.g. `http://127.0.0.1:9479`: http or https, no credentials. */
  ADMIN_URL: z
    .url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' })
    .refine((url) => !new URL(url).username && !new URL(url).password, {
      message: 'holds credentials: put the token in EXFILGUARD_ADMIN_TOKEN, not in the URL',
    })
    .optional(),
  /**
   * The bearer token `exfilguard lockouts` sends. Never echoed: the messages here are
   * fixed text, so a refusal does not quote the value.
   */
  ADMIN_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]+$/, {
      message:
        'printable characters without spaces or line breaks (a trailing newline from a file?)',
    })
    .optional(),
  /** The CA that signed an https admin API's certificate, when not a public one (PEM). */
  ADMIN_CA_FILE: z.string().min(1).optional(),
});

function checkSasl(
  env: Pick<
    KafkaEnvironment,
    'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'
  >,
  ctx: z.RefinementCtx,
): void {
  if (env.KAFKA_SASL_MECHANISM && (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD)) {
    ctx.addIssue({
      code: 'custom',
      path: ['KAFKA_SASL_MECHANISM'],
      message: 'SASL needs EXFILGUARD_KAFKA_SASL_USERNAME and EXFILGUARD_KAFKA_SASL_PASSWORD',
    });
  }
}

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

/**
 * What a Kafka client that is not the detector needs (`exfilguard simulate`): the
 * connection, the topics and the log level. The other EXFILGUARD_* variables are
 * accepted and ignored, so one environment serves both commands; misspelt ones are
 * still refused.
 */
const kafkaEnvironmentSchema = environmentFields
  .pick({
    KAFKA_BROKERS: true,
    KAFKA_CLIENT_ID: true,
    KAFKA_TRANSACTIONAL_ID: true,
    KAFKA_SASL_MECHANISM: true,
    KAFKA_SASL_USERNAME: true,
    KAFKA_SASL_PASSWORD: true,
    KAFKA_TLS: true,
    KAFKA_TLS_CA_FILE: true,
    GROUP_ID: true,
    KAFKA_SESSION_TIMEOUT: true,
    KAFKA_MAX_BYTES_PER_PARTITION: true,
    KAFKA_CONCURRENT_PARTITIONS: true,
    CREATE_TOPICS: true,
    TOPIC_PARTITIONS: true,
    INPUT_TOPIC: true,
    LOCKOUT_TOPIC: true,
    DEAD_LETTER_TOPIC: true,
    AUDIT_TOPIC: true,
    LOG_LEVEL: true,
    LOG_FORMAT: true,
  })
  .superRefine(checkSasl);

/** `exfilguard enforce`: the Kafka connection, the lockouts topic and the ENFORCE_* settings. */
const enforceEnvironmentSchema = environmentFields
  .pick({
    KAFKA_BROKERS: true,
    KAFKA_CLIENT_ID: true,
    KAFKA_SASL_MECHANISM: true,
    KAFKA_SASL_USERNAME: true,
    KAFKA_SASL_PASSWORD: true,
    KAFKA_TLS: true,
    KAFKA_TLS_CA_FILE: true,
    LOCKOUT_TOPIC: true,
    LOG_LEVEL: true,
    LOG_FORMAT: true,
    ENFORCE_HOST: true,
    ENFORCE_PORT: true,
    ENFORCE_FAIL_MODE: true,
    ENFORCE_STALE_AFTER: true,
    ENFORCE_TRUSTED_PROXIES: true,
    ENFORCE_CLIENT_ADDRESS_HEADER: true,
    ENFORCE_SESSION_COOKIE: true,
    ENFORCE_SESSION_HEADER: true,
    ENFORCE_SESSION_HASH: true,
    ENFORCE_SESSION_HASH_LENGTH: true,
    ENFORCE_USER_HEADER: true,
    ENFORCE_BOUNCER_KEYS: true,
  })
  .superRefine(checkSasl);

/** `exfilguard lockouts`: the admin API's address and a token; nothing of Kafka or Redis. */
const adminClientEnvironmentSchema = environmentFields
  .pick({ ADMIN_URL: true, ADMIN_TOKEN: true, ADMIN_CA_FILE: true })
  .required({ ADMIN_URL: true, ADMIN_TOKEN: true });

export type Environment = z.output<typeof environmentSchema>;
type KafkaEnvironment = z.output<typeof kafkaEnvironmentSchema>;

export interface Config {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly transactionalId?: string;
    readonly sasl?: {
      readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
      readonly username: string;
      readonly password: string;
    };
    readonly tls: boolean;
    readonly tlsCaFile?: string;
    readonly groupId: string;
    readonly sessionTimeoutMs: number;
    readonly maxBytesPerPartition: number;
    readonly concurrentPartitions: number;
    readonly createTopics: boolean;
    readonly topicPartitions: number;
  };
  readonly topics: {
    readonly input: string;
    readonly lockouts: string;
    readonly deadLetters: string;
    readonly audit: string;
  };
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

export type { LogFormat } from './log.js';

export interface AdminConfig {
  readonly host: string;
  readonly port: number;
  readonly tokens: readonly AdminToken[];
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

/** Brokers, client id and authentication: what every Kafka client here needs. */
export type KafkaConnection = Pick<
  Config['kafka'],
  'brokers' | 'clientId' | 'sasl' | 'tls' | 'tlsCaFile'
>;

export interface EnforceConfig {
  readonly kafka: KafkaConnection;
  readonly lockoutTopic: string;
  readonly logLevel: Environment['LOG_LEVEL'];
  readonly logFormat: LogFormat;
  readonly http: { readonly host: string; readonly port: number };
  readonly failMode: 'open' | 'closed';
  readonly staleAfterMs: number;
  readonly identity: {
    readonly trustedProxies: readonly string[];
    readonly clientAddressHeader: 'x-forwarded-for' | 'x-real-ip';
    readonly sessionCookie?: string;
    readonly sessionHeader?: string;
    readonly sessionHash: 'none' | 'sha256';
    readonly sessionHashLength: number;
    readonly userHeader?: string;
  };
  /** CrowdSec bouncer name → SHA-256 (hex) of its API key; empty: endpoints off. */
  readonly bouncerKeys: ReadonlyMap<string, string>;
}

/** Reads what `exfilguard enforce` needs; throws CONFIG_INVALID like loadConfig. */
export function loadEnforceConfig(env: NodeJS.ProcessEnv = process.env): EnforceConfig {
  const e = parseEnvironment(enforceEnvironmentSchema, env);
  return {
    kafka: connectionOf(e),
    lockoutTopic: e.LOCKOUT_TOPIC,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    http: { host: e.ENFORCE_HOST, port: e.ENFORCE_PORT },
    failMode: e.ENFORCE_FAIL_MODE,
    staleAfterMs: e.ENFORCE_STALE_AFTER,
    identity: {
      trustedProxies: e.ENFORCE_TRUSTED_PROXIES,
      clientAddressHeader: e.ENFORCE_CLIENT_ADDRESS_HEADER,
      ...(e.ENFORCE_SESSION_COOKIE && { sessionCookie: e.ENFORCE_SESSION_COOKIE }),
      ...(e.ENFORCE_SESSION_HEADER && { sessionHeader: e.ENFORCE_SESSION_HEADER }),
      sessionHash: e.ENFORCE_SESSION_HASH,
      sessionHashLength: e.ENFORCE_SESSION_HASH_LENGTH,
      ...(e.ENFORCE_USER_HEADER && { userHeader: e.ENFORCE_USER_HEADER }),
    },
    bouncerKeys: new Map(
      (e.ENFORCE_BOUNCER_KEYS ?? []).map((pair) => {
        const colon = pair.indexOf(':');
        return [pair.slice(0, colon), pair.slice(colon + 1)];
      }),
    ),
  };
}

export interface AdminClientConfig {
  /** Without a trailing slash, so paths append as `/v1/…`. */
  readonly url: string;
  readonly token: string;
  readonly caFile?: string;
}

/**
 * Reads what `exfilguard lockouts` needs: EXFILGUARD_ADMIN_URL and _TOKEN, and
 * _CA_FILE if set. Other EXFILGUARD_* variables are accepted and ignored (one
 * environment serves every command); misspelt ones are refused. Throws CONFIG_INVALID.
 */
export function loadAdminClientConfig(env: NodeJS.ProcessEnv = process.env): AdminClientConfig {
  const e = parseEnvironment(adminClientEnvironmentSchema, env);
  return {
    url: e.ADMIN_URL.replace(/\/+$/, ''),
    token: e.ADMIN_TOKEN,
    ...(e.ADMIN_CA_FILE && { caFile: e.ADMIN_CA_FILE }),
  };
}

/** The Kafka part of the configuration, for commands that only talk to Kafka. */
export type KafkaConfig = Pick<Config, 'kafka' | 'topics' | 'logLevel' | 'logFormat'>;

/** Reads the EXFILGUARD_* variables; throws CONFIG_INVALID naming every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return toConfig(parseEnvironment(environmentSchema, env));
}

/**
 * Reads only the Kafka variables (brokers, authentication, topics, log level) with the
 * same names, defaults and checks as loadConfig; throws CONFIG_INVALID likewise.
 */
export function loadKafkaConfig(env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const parsed = parseEnvironment(kafkaEnvironmentSchema, env);
  return { ...kafkaSections(parsed), logLevel: parsed.LOG_LEVEL, logFormat: parsed.LOG_FORMAT };
}

function parseEnvironment<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  const ours: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined || value === '') continue;
    const key = name.slice(PREFIX.length);
    // Checked against every known name, so a subset schema still catches a typo.
    if (key in environmentFields.shape) ours[key] = value;
    else problems.push(`unknown variable ${name}: check its spelling`);
  }
  const parsed = schema.safeParse(ours);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = PREFIX + issue.path.join('.');
      problems.push(
        issue.message.endsWith('received undefined')
          ? `${name}: required, not set`
          : `${name}: ${issue.message}`,
      );
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ExfilguardError(
      'CONFIG_INVALID',
      `Configuration refused:\n  ${problems.join('\n  ')}`,
    );
  }
  return parsed.data;
}

type ConnectionEnvironment = Pick<
  KafkaEnvironment,
  | 'KAFKA_BROKERS'
  | 'KAFKA_CLIENT_ID'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD'
  | 'KAFKA_TLS'
  | 'KAFKA_TLS_CA_FILE'
>;

/** Brokers, client id and authentication: what every Kafka client here shares. */
function connectionOf(env: ConnectionEnvironment): KafkaConnection {
  return {
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID,
    ...(env.KAFKA_SASL_MECHANISM && {
      sasl: {
        mechanism: env.KAFKA_SASL_MECHANISM,
        username: env.KAFKA_SASL_USERNAME!,
        password: env.KAFKA_SASL_PASSWORD!,
      },
    }),
    tls: env.KAFKA_TLS,
    ...(env.KAFKA_TLS_CA_FILE && { tlsCaFile: env.KAFKA_TLS_CA_FILE }),
  };
}

function kafkaSections(env: KafkaEnvironment): Pick<Config, 'kafka' | 'topics'> {
  return {
    kafka: {
      ...connectionOf(env),
      ...(env.KAFKA_TRANSACTIONAL_ID && { transactionalId: env.KAFKA_TRANSACTIONAL_ID }),
      groupId: env.GROUP_ID,
      sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT,
      maxBytesPerPartition: env.KAFKA_MAX_BYTES_PER_PARTITION,
      concurrentPartitions: env.KAFKA_CONCURRENT_PARTITIONS,
      createTopics: env.CREATE_TOPICS,
      topicPartitions: env.TOPIC_PARTITIONS,
    },
    topics: {
      input: env.INPUT_TOPIC,
      lockouts: env.LOCKOUT_TOPIC,
      deadLetters: env.DEAD_LETTER_TOPIC,
      audit: env.AUDIT_TOPIC,
    },
  };
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
    ...(env.ADMIN_PORT !== undefined && {
      admin: {
        host: env.ADMIN_HOST,
        port: env.ADMIN_PORT,
        tokens: env.ADMIN_TOKENS ?? [],
        ...(env.ADMIN_TLS_CERT_FILE &&
          env.ADMIN_TLS_KEY_FILE && {
            tls: { certFile: env.ADMIN_TLS_CERT_FILE, keyFile: env.ADMIN_TLS_KEY_FILE },
          }),
      },
    }),
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
  };
}

/**
 * The configuration with its secrets masked, for the start-up log line. One rule for
 * every setting, present or added later: a setting named like a secret is masked whole,
 * and any other text loses the credentials of the URL it may hold, with or without a
 * scheme (ioredis reads a cluster node `user:pass@host:6379` as a URL too).
 */
export function redactedConfig(config: Config): unknown {
  return redactSetting(config, '');
}

// `hash`: the admin tokens' SHA-256 are no secrets, but they are the credentials'
// fingerprints (an offline guess is checked against them): masked too.
const SECRET_NAME = /secret|password|token|^hash$/i;

function redactSetting(value: unknown, name: string): unknown {
  if (typeof value === 'string') return SECRET_NAME.test(name) ? REDACTED : redactUserinfo(value);
  if (Array.isArray(value)) return value.map((item: unknown) => redactSetting(item, name));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, redactSetting(v, key)]));
}

function redactUserinfo(setting: string): string {
  if (setting.includes('://')) return redactUrlCredentials(setting);
  return redactUrlCredentials(`://${setting}`).slice(3);
}
