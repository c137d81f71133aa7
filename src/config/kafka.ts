// The Kafka part of the configuration: the connection every Kafka client here shares,
// the consumer's and topics' settings, and `loadKafkaConfig` for commands that only
// talk to Kafka (`exfilguard simulate`).
import type { z } from 'zod';
import type { LogFormat } from '../log.js';
import { environmentFields } from './fields.js';
import { parseEnvironment } from './parse.js';
import type { LogLevel } from './run-fields.js';

/** The `kafka` section of the configuration. */
export interface KafkaSection {
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
}

/** The topics' names. */
export interface TopicNames {
  readonly input: string;
  readonly lockouts: string;
  readonly deadLetters: string;
  readonly audit: string;
}

/** Brokers, client id and authentication: what every Kafka client here needs. */
export type KafkaConnection = Pick<
  KafkaSection,
  'brokers' | 'clientId' | 'sasl' | 'tls' | 'tlsCaFile'
>;

/** The Kafka part of the configuration, for commands that only talk to Kafka. */
export interface KafkaConfig {
  readonly kafka: KafkaSection;
  readonly topics: TopicNames;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

type SaslEnvironment = Pick<
  KafkaEnvironment,
  'KAFKA_SASL_MECHANISM' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'
>;

export function checkSasl(env: SaslEnvironment, ctx: z.RefinementCtx): void {
  if (env.KAFKA_SASL_MECHANISM && (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD)) {
    ctx.addIssue({
      code: 'custom',
      path: ['KAFKA_SASL_MECHANISM'],
      message: 'SASL needs EXFILGUARD_KAFKA_SASL_USERNAME and EXFILGUARD_KAFKA_SASL_PASSWORD',
    });
  }
}

/**
 * What a Kafka client that is not the detector needs (`exfilguard simulate`): the
 * connection, the topics and the log level. The other EXFILGUARD_* variables are
 * accepted and ignored, so one environment serves both commands; misspelt ones are
 * still refused.
 */
export const kafkaEnvironmentSchema = environmentFields
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

type KafkaEnvironment = z.output<typeof kafkaEnvironmentSchema>;

/**
 * Reads only the Kafka variables (brokers, authentication, topics, log level) with the
 * same names, defaults and checks as loadConfig; throws CONFIG_INVALID likewise.
 */
export function loadKafkaConfig(env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const parsed = parseEnvironment(kafkaEnvironmentSchema, env);
  return { ...kafkaSections(parsed), logLevel: parsed.LOG_LEVEL, logFormat: parsed.LOG_FORMAT };
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
export function connectionOf(env: ConnectionEnvironment): KafkaConnection {
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

export function kafkaSections(env: KafkaEnvironment): Pick<KafkaConfig, 'kafka' | 'topics'> {
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
