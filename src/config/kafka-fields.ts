// The Kafka settings of `exfilguard run`: brokers, authentication, the consumer group and
// the topics. `simulate` reads them too, `enforce` the connection and the lockouts topic.
import { z } from 'zod';
import { settingDocs } from './setting-docs.js';
import { bool, durationMs, list, topicName, TOPIC_DEFAULTS } from './values.js';

export const kafkaFields = {
  KAFKA_BROKERS: list
    .refine((brokers) => brokers.length > 0, { message: 'name at least one host:port' })
    .register(settingDocs, { description: '`host:port,…`: the brokers to connect to first' }),
  KAFKA_CLIENT_ID: z
    .string()
    .min(1)
    .default('exfilguard')
    .register(settingDocs, {
      description:
        "this process's name to the brokers (their logs, quotas and request metrics name it); " +
        "also the start of the producer's random transactional id and of `enforce`'s consumer groups",
    }),
  KAFKA_TRANSACTIONAL_ID: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
    .optional()
    .register(settingDocs, {
      unset: 'random per process',
      description:
        "this instance's own id, stable across its restarts and never shared by two running " +
        'instances (e.g. a StatefulSet pod name): a restart then aborts at once a transaction ' +
        'left open by a crash',
    }),
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
    .optional()
    .register(settingDocs, {
      unset: 'off',
      description:
        'broker authentication: `plain`, `scram-sha-256` or `scram-sha-512`, with ' +
        '`EXFILGUARD_KAFKA_SASL_USERNAME` and `EXFILGUARD_KAFKA_SASL_PASSWORD` (both required then)',
    }),
  KAFKA_SASL_USERNAME: z
    .string()
    .min(1)
    .optional()
    .register(settingDocs, { unset: 'none', description: 'the SASL user' }),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional().register(settingDocs, {
    unset: 'none',
    description: "the SASL user's password (masked in the start-up log line)",
  }),
  KAFKA_TLS: bool.default(false).register(settingDocs, {
    description: 'TLS to the brokers (`true`/`false`, `yes`/`no`, `1`/`0`)',
  }),
  KAFKA_TLS_CA_FILE: z.string().min(1).optional().register(settingDocs, {
    unset: "Node's public CAs",
    description: "PEM file of the CA that signed the brokers' certificates, when not a public one",
  }),
  GROUP_ID: z.string().min(1).default('exfilguard').register(settingDocs, {
    description: 'consumer group: run as many instances as you like, they share the partitions',
  }),
  // A restart waits out its predecessor's session because kafkajs has no static
  // membership (KIP-345): the shorter the session, the sooner it is ready, and the
  // sooner a frozen process, or a batch that never heartbeats, loses its partitions.
  KAFKA_SESSION_TIMEOUT: durationMs.default(10_000).register(settingDocs, {
    description:
      'how long a silent member keeps its partitions, hence how long a restarted instance ' +
      "waits out its dead predecessor's session before it is ready (~10 s; kafkajs' own " +
      'default, 30 s, made it ~27 s); the cost: a member silent that long (a frozen process) ' +
      'loses its partitions and its batch is redone by another',
  }),
  KAFKA_MAX_BYTES_PER_PARTITION: z.coerce
    .number()
    .int()
    .min(1024)
    .max(104_857_600)
    .default(1_048_576)
    .register(settingDocs, {
      description:
        'largest fetch per partition, in bytes (1 KiB to 100 MiB): smaller batches lower ' +
        'latency, larger ones raise events/s',
    }),
  KAFKA_CONCURRENT_PARTITIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(2)
    .register(settingDocs, {
      description:
        "partitions' batches processed at once, 1 to 64 (their Redis calls overlap; see BENCHMARKS.md)",
    }),
  INPUT_TOPIC: topicName.default(TOPIC_DEFAULTS.input).register(settingDocs, {
    description: 'the access events to judge (contract 1), read as `EXFILGUARD_INPUT_FORMAT` says',
  }),
  INPUT_FORMAT: z
    .enum(['auto', 'json', 'combined'])
    .default('auto')
    .register(settingDocs, {
      description:
        'how input records are read: `auto` tells per record (JSON if it starts with `{`, ' +
        'otherwise an nginx/Apache "combined" line), `json` (canonical or ECS) or `combined` ' +
        'take every record as that format',
    }),
  LOCKOUT_TOPIC: topicName.default(TOPIC_DEFAULTS.lockouts).register(settingDocs, {
    description:
      'the lockouts (contract 2; created compacted): `run` and the admin API publish to it, ' +
      '`enforce` and the admin API read it',
  }),
  DEAD_LETTER_TOPIC: topicName.default(TOPIC_DEFAULTS.deadLetters).register(settingDocs, {
    description:
      'records that cannot be judged, with their original bytes and the reason in headers ' +
      '(created with one partition, 14-day retention)',
  }),
  CREATE_TOPICS: bool.default(true).register(settingDocs, {
    description:
      'create the topics that do not exist yet at start (an existing topic keeps its own ' +
      'settings); `false` where topics are provisioned by other means',
  }),
  TOPIC_PARTITIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(12)
    .register(settingDocs, {
      description:
        'partitions of the input and lockouts topics when this process creates them (the ' +
        'dead-letter and audit topics get one); the most instances that share the work',
    }),
};
