// The Kafka client and the topics, from the parsed configuration. kafkajs logs go
// through our pino logger, so broker errors land in the same JSON stream.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import { translateKafkajsLog } from './kafkajs-log.js';
import type { Config, KafkaConnection } from '../config.js';
import { ExfilguardError } from '../vocabulary/errors.js';
import type { Logger } from '../log.js';

export function createKafka(config: { readonly kafka: KafkaConnection }, logger: Logger): Kafka {
  const { kafka } = config;
  const log = logger.child({ component: 'kafkajs' });
  const sasl: SASLOptions | undefined = kafka.sasl && {
    mechanism: kafka.sasl.mechanism,
    username: kafka.sasl.username,
    password: kafka.sasl.password,
  };
  return new Kafka({
    clientId: kafka.clientId,
    brokers: [...kafka.brokers],
    ...(kafka.tls && {
      ssl: kafka.tlsCaFile ? { ca: [readFileSync(kafka.tlsCaFile, 'utf8')] } : true,
    }),
    ...(sasl && { sasl }),
    // WARN and up reach the translation, which puts what kafkajs retries at debug.
    logLevel: log.isLevelEnabled('debug') ? logLevel.DEBUG : logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { level: ours, message, fields } = translateKafkajsLog(level, entry);
        log[ours](fields, message);
      },
  });
}

/**
 * A start-up failure in words an operator can act on: which setting to check. kafkajs
 * errors carry their cause in `name` and in the message of the last retry.
 */
export function kafkaStartupError(
  error: unknown,
  config: { readonly kafka: Pick<KafkaConnection, 'brokers'> },
): unknown {
  if (!(error instanceof Error) || !error.name.startsWith('KafkaJS')) return error;
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error && messages.length < 5; e = e.cause)
    if (!messages.some((said) => said.includes(e.message))) messages.push(e.message);
  const said = messages.join(': ');
  if (error.name === 'KafkaJSSASLAuthenticationError') {
    return new ExfilguardError(
      'KAFKA_AUTH_FAILED',
      `the brokers refused the SASL login: ${error.message}. Check EXFILGUARD_KAFKA_SASL_MECHANISM, ` +
        'EXFILGUARD_KAFKA_SASL_USERNAME and EXFILGUARD_KAFKA_SASL_PASSWORD.',
      { cause: error },
    );
  }
  const tls = /certificate|self.signed|SSL|TLS/i.test(said)
    ? " With TLS, EXFILGUARD_KAFKA_TLS_CA_FILE must hold the CA that signed the brokers' certificates."
    : '';
  return new ExfilguardError(
    'KAFKA_UNAVAILABLE',
    `Kafka at ${config.kafka.brokers.join(',')} could not be used: ${said}. Check ` +
      `EXFILGUARD_KAFKA_BROKERS and that the brokers are up.${tls}`,
    { cause: error },
  );
}

/**
 * 400 days: longer than the longest lockout a rule may set (365 d, rules/schema.ts
 * maxTtl) or an operator may add, so nothing in force is ever deleted, while records
 * long expired do not pile up forever. The audit trail keeps as long (a year and more).
 */
export const LONG_RETENTION_MS = 400 * 86_400_000;

/**
 * Creates the topics that do not exist yet (an existing topic keeps its own settings).
 * The lockouts topic is compacted and also deleted after LONG_RETENTION_MS; the audit
 * topic (with the admin API only) is not compacted: every record is kept that long.
 */
export async function ensureTopics(
  kafka: Kafka,
  config: Pick<Config, 'kafka' | 'topics' | 'admin'>,
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const partitions = config.kafka.topicPartitions;
    const wanted = [
      { topic: config.topics.input, numPartitions: partitions },
      {
        topic: config.topics.lockouts,
        numPartitions: partitions,
        // Compacted: a gateway starting up reads the latest command per key. Deleted too,
        // after the retention: expired lockouts and their releases do not pile up.
        configEntries: [
          { name: 'cleanup.policy', value: 'compact,delete' },
          { name: 'retention.ms', value: String(LONG_RETENTION_MS) },
        ],
      },
      {
        topic: config.topics.deadLetters,
        numPartitions: 1,
        configEntries: [{ name: 'retention.ms', value: String(14 * 86_400_000) }],
      },
      // Only where the admin API runs: the only writer of the trail.
      ...(config.admin === undefined ? [] : [auditTopic(config.topics.audit)]),
    ].filter((t) => !existing.has(t.topic));
    if (wanted.length > 0) await admin.createTopics({ topics: wanted, waitForLeaders: true });
    return wanted.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}

/** The audit topic: one partition (the trail reads back in the order written), not compacted. */
function auditTopic(topic: string) {
  return {
    topic,
    numPartitions: 1,
    configEntries: [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(LONG_RETENTION_MS) },
    ],
  };
}
