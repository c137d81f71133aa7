// kafkajs' own log lines, translated for an operator. kafkajs logs at ERROR every
// failed response it is about to retry — a fresh broker's "coordinator is loading",
// a routine rebalance — and at WARN a caution that does not apply to a transactional
// producer. Read as failures, they hide the real ones. What is retried and ends either
// in success or in an error of ours (KAFKA_UNAVAILABLE, the consumer's crash) is
// logged at debug; the rest keeps kafkajs' level.
import { createRequire } from 'node:module';
import { logLevel, type LogEntry } from 'kafkajs';

type Level = 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<number, Level> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

interface ProtocolErrorCode {
  readonly message: string;
  readonly retriable: boolean;
}

/**
 * The messages of the Kafka protocol errors kafkajs retries by itself, from its own table
 * (kafkajs is pinned to one version in package.json, so this internal module is stable).
 */
const RETRIED_PROTOCOL_ERRORS: ReadonlySet<string> = new Set(
  (
    createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
      errorCodes: ProtocolErrorCode[];
    }
  ).errorCodes
    .filter((code) => code.retriable)
    .map((code) => code.message),
);

/**
 * Cautions that do not apply here, with the reason. The idempotent producer's: our
 * producer is transactional, and a send that runs out of retries aborts its
 * transaction; the batch is then redelivered and its lockouts published once, so
 * limited retries cost neither a duplicate nor a loss.
 */
const NOT_APPLICABLE = new Map<string, string>([
  [
    'Limiting retries for the idempotent producer may invalidate EoS guarantees',
    'transactional producer: a send out of retries aborts its transaction and the batch is redelivered',
  ],
]);

/**
 * A rebalance is routine (a member joins, leaves or restarts): kafkajs logs each failed
 * response during it at ERROR and the consumer's re-join at WARN. The response is
 * debug; the re-join stays visible, at info.
 */
const REBALANCE_RESPONSE = 'The group is rebalancing, so a rejoin is needed';
const REBALANCE_REJOIN = 'The group is rebalancing, re-joining';

const SEND_FAILED = 'Failed to send messages: ';

export interface TranslatedLogEntry {
  readonly level: Level;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** One kafkajs log entry as our logger writes it. */
export function translateKafkajsLog(level: number, entry: LogEntry['log']): TranslatedLogEntry {
  // `timestamp` and `logger` repeat what every line of ours has.
  const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
  const ourLevel = LEVELS[level] ?? 'info';
  const why = NOT_APPLICABLE.get(message);
  if (why !== undefined) return { level: 'debug', message, fields: { ...fields, why } };
  const error = typeof fields.error === 'string' ? fields.error : undefined;
  if (message === REBALANCE_REJOIN) return { level: 'info', message, fields };
  // A produce kafkajs is about to retry names the error in its message only, e.g. a
  // transaction that follows another too closely (CONCURRENT_TRANSACTIONS: sink/publisher.ts
  // retries it within milliseconds, by design).
  const sendFailure = message.startsWith(SEND_FAILED) ? message.slice(SEND_FAILED.length) : message;
  if (RETRIED_PROTOCOL_ERRORS.has(sendFailure)) {
    return { level: 'debug', message, fields: { ...fields, retried: true } };
  }
  if (error !== undefined && (RETRIED_PROTOCOL_ERRORS.has(error) || error === REBALANCE_RESPONSE)) {
    return { level: 'debug', message, fields: { ...fields, retried: true } };
  }
  // A refused connection is retried too: each attempt logs two lines (the socket's
  // error, then the pool's "trying another broker"). One warning per attempt says it;
  // a start that never connects ends in KAFKA_UNAVAILABLE, which names the setting.
  if (message.startsWith('Connection error:')) return { level: 'debug', message, fields };
  if (message.startsWith('Failed to connect to seed broker')) {
    return {
      level: 'warn',
      message: `cannot reach a Kafka broker yet; retrying (${message.slice(message.indexOf(': ') + 2)})`,
      fields,
    };
  }
  return { level: ourLevel, message, fields };
}
