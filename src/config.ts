// The only reader of process.env. Parsed once, at start-up, by one strict zod schema:
// a typo in an EXFILGUARD_* name is an error, not a default silently in force, and
// every problem is named with the variable and what it expects.
import { z } from 'zod';
import { ExfilguardError } from './errors.js';
import { parseDuration } from './rules/units.js';

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

const topicName = z
  .string()
  .min(1)
  .max(249)
  .refine((name) => /^[a-zA-Z0-9._-]+$/.test(name), {
    message: 'letters, digits, ".", "_" and "-" only',
  });

/** Variables without the EXFILGUARD_ prefix, as the schema sees them. */
const environmentSchema = z
  .object({
    KAFKA_BROKERS: list.refine((brokers) => brokers.length > 0, {
      message: 'name at least one host:port',
    }),
    KAFKA_CLIENT_ID: z.string().min(1).default('exfilguard'),
    KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    KAFKA_TLS: bool.default(false),
    KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
    GROUP_ID: z.string().min(1).default('exfilguard'),
    /** How long the group waits for a silent member before giving its partitions away. */
    KAFKA_SESSION_TIMEOUT: durationMs.default(30_000),
    /** Largest fetch per partition: smaller batches lower latency, larger ones raise throughput. */
    KAFKA_MAX_BYTES_PER_PARTITION: z.coerce
      .number()
      .int()
      .min(1024)
      .max(104_857_600)
      .default(1_048_576),
    INPUT_TOPIC: topicName.default('access-logs'),
    INPUT_FORMAT: z.enum(['auto', 'json', 'combined']).default('auto'),
    LOCKOUT_TOPIC: topicName.default('lockouts'),
    DEAD_LETTER_TOPIC: topicName.default('access-logs.dlq'),
    CREATE_TOPICS: bool.default(true),
    /** Partitions of topics this process creates (an existing topic keeps its own). */
    TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(12),
    REDIS_URL: z.url().optional(),
    REDIS_CLUSTER_NODES: list.optional(),
    /** The HMAC key for Redis key names: who can read Redis cannot tell whose windows they are. */
    KEY_SECRET: z
      .string()
      .min(32, { message: 'use at least 32 characters, e.g. "openssl rand -hex 32"' }),
    RULES_DIRS: list.default([]),
    SHIPPED_RULES: bool.default(true),
    HTTP_HOST: z.string().min(1).default('0.0.0.0'),
    HTTP_PORT: port.default(9477),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** First and largest wait between retries while Redis is away. */
    REDIS_RETRY_MIN: durationMs.default(200),
    REDIS_RETRY_MAX: durationMs.default(5000),
    /** How long a Redis command may take before the batch is retried. */
    REDIS_COMMAND_TIMEOUT: durationMs.default(2000),
  })
  .strict()
  .superRefine((env, ctx) => {
    if (!env.REDIS_URL === !env.REDIS_CLUSTER_NODES) {
      ctx.addIssue({
        code: 'custom',
        path: ['REDIS_URL'],
        message: 'set exactly one of EXFILGUARD_REDIS_URL and EXFILGUARD_REDIS_CLUSTER_NODES',
      });
    }
    if (env.KAFKA_SASL_MECHANISM && (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SASL_MECHANISM'],
        message: 'SASL needs EXFILGUARD_KAFKA_SASL_USERNAME and EXFILGUARD_KAFKA_SASL_PASSWORD',
      });
    }
  });

export type Environment = z.output<typeof environmentSchema>;

export interface Config {
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
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
    readonly createTopics: boolean;
    readonly topicPartitions: number;
  };
  readonly topics: {
    readonly input: string;
    readonly lockouts: string;
    readonly deadLetters: string;
  };
  readonly inputFormat: 'auto' | 'json' | 'combined';
  readonly redis: {
    readonly url?: string;
    readonly clusterNodes?: readonly string[];
    readonly retryMinMs: number;
    readonly retryMaxMs: number;
    readonly commandTimeoutMs: number;
  };
  readonly keySecret: string;
  readonly rules: { readonly dirs: readonly string[]; readonly shipped: boolean };
  readonly http: { readonly host: string; readonly port: number };
  readonly logLevel: Environment['LOG_LEVEL'];
}

/** Reads the EXFILGUARD_* variables; throws CONFIG_INVALID naming every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const ours: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(PREFIX) && value !== undefined && value !== '')
      ours[name.slice(PREFIX.length)] = value;
  }
  const parsed = environmentSchema.safeParse(ours);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const unknown =
        issue.code === 'unrecognized_keys' ? issue.keys.map((k) => PREFIX + k).join(', ') : '';
      const name = issue.path.length > 0 ? PREFIX + issue.path.join('.') : unknown;
      if (unknown) return `unknown variable ${name}: check its spelling`;
      return issue.message.endsWith('received undefined')
        ? `${name}: required, not set`
        : `${name}: ${issue.message}`;
    });
    throw new ExfilguardError(
      'CONFIG_INVALID',
      `Configuration refused:\n  ${problems.join('\n  ')}`,
    );
  }
  return toConfig(parsed.data);
}

function toConfig(env: Environment): Config {
  return {
    kafka: {
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
      groupId: env.GROUP_ID,
      sessionTimeoutMs: env.KAFKA_SESSION_TIMEOUT,
      maxBytesPerPartition: env.KAFKA_MAX_BYTES_PER_PARTITION,
      createTopics: env.CREATE_TOPICS,
      topicPartitions: env.TOPIC_PARTITIONS,
    },
    topics: {
      input: env.INPUT_TOPIC,
      lockouts: env.LOCKOUT_TOPIC,
      deadLetters: env.DEAD_LETTER_TOPIC,
    },
    inputFormat: env.INPUT_FORMAT,
    redis: {
      ...(env.REDIS_URL && { url: env.REDIS_URL }),
      ...(env.REDIS_CLUSTER_NODES && { clusterNodes: env.REDIS_CLUSTER_NODES }),
      retryMinMs: env.REDIS_RETRY_MIN,
      retryMaxMs: env.REDIS_RETRY_MAX,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT,
    },
    keySecret: env.KEY_SECRET,
    rules: { dirs: env.RULES_DIRS, shipped: env.SHIPPED_RULES },
    http: { host: env.HTTP_HOST, port: env.HTTP_PORT },
    logLevel: env.LOG_LEVEL,
  };
}

/** The configuration with its secrets masked, for the start-up log line. */
export function redactedConfig(config: Config): unknown {
  return {
    ...config,
    keySecret: '[redacted]',
    kafka: {
      ...config.kafka,
      ...(config.kafka.sasl && { sasl: { ...config.kafka.sasl, password: '[redacted]' } }),
    },
    redis: { ...config.redis, ...(config.redis.url && { url: redactUrl(config.redis.url) }) },
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '[unparsable url]';
  }
}
