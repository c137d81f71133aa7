// `exfilguard lockouts follow`: the lockouts topic read straight from Kafka (no admin
// API, nothing written: a private consumer group that commits no offsets), each
// lockout or release printed as it arrives. The demo (scripts/demo.ts) prints its
// table with the same follower.
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import { loadKafkaConfig } from '../config.js';
import { createKafka, kafkaStartupError } from '../clients/kafka.js';
import type { LockoutKeyParts, LockoutRecord } from '../decide/lockout.js';
import { LockoutSubscription, type LockoutSink } from '../enforce/index.js';
import { createLogger, type Logger } from '../log.js';
import type { CommandIo } from './io.js';
import { jsonLines, RecordStreamTable } from './lockouts-output.js';
import { aborted, untilStopped } from './shutdown.js';

/** What a follower hears: a record (lockout or release) or a tombstone (its key's parts). */
export interface LockoutListener {
  onRecord(record: LockoutRecord): void;
  onTombstone(parts: LockoutKeyParts): void;
}

export interface LockoutFollower {
  /** Resolves once the records on the topic at start are read (and skipped unless from the beginning). */
  untilCaughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export interface FollowOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly logger: Logger;
  /** The whole topic first; otherwise only what is published after start. */
  readonly fromBeginning: boolean;
}

export async function followLockouts(
  options: FollowOptions,
  listener: LockoutListener,
): Promise<LockoutFollower> {
  let count = 0;
  // The subscription's sink, turned into calls of the listener: nothing is kept.
  const sink: LockoutSink = {
    applyLockout: (command) => {
      count += 1;
      listener.onRecord(command);
    },
    remove: (parts, release) => {
      count += 1;
      if (release) listener.onRecord(release);
      else listener.onTombstone(parts);
    },
    get size() {
      return count;
    },
  };
  const subscription = new LockoutSubscription({
    kafka: options.kafka,
    topic: options.topic,
    table: sink,
    logger: options.logger,
    groupIdPrefix: 'exfilguard-follow',
    commitOffsets: false,
    onlyNewRecords: !options.fromBeginning,
  });
  await subscription.start();
  return {
    untilCaughtUp: () => subscription.untilCaughtUp(),
    stop: () => subscription.stop(),
  };
}

/** Prints each record as a table row (header first) or, with `json`, as a JSON line. */
export function printingListener(
  write: (text: string) => void,
  format: { readonly json: boolean },
): LockoutListener {
  if (format.json)
    return {
      onRecord: (record) => write(jsonLines([record])),
      // A tombstone has no record to print; JSON lines are the records of contract 2.
      onTombstone: () => {},
    };
  const table = new RecordStreamTable();
  write(table.header());
  return {
    onRecord: (record) => write(table.row(record)),
    onTombstone: (parts) => write(table.tombstoneRow(parts, Date.now())),
  };
}

export async function followCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'from-beginning': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const config = loadKafkaConfig();
  // Logs on stderr, at warn or quieter: stdout is the table, and "caught up" is not news here.
  const logger = createLogger(atLeastWarn(config.logLevel), { write: io.stderr });
  const kafka = createKafka(config, logger);
  const fromBeginning = values['from-beginning'];
  const listener = printingListener(io.stdout, { json: values.json });
  const topic = config.topics.lockouts;
  const follower = await followLockouts({ kafka, topic, logger, fromBeginning }, listener).catch(
    (error: unknown) => {
      throw kafkaStartupError(error, config);
    },
  );
  io.stderr(
    `following topic ${topic} on ${config.kafka.brokers.join(',')} ` +
      `(${fromBeginning ? 'from the beginning' : 'new records only'}); Ctrl-C stops\n`,
  );
  return untilStopped(async (signal) => {
    await aborted(signal);
    await follower.stop();
  }, logger);
}

const QUIETER_THAN_WARN = new Set(['warn', 'error', 'fatal', 'silent']);

function atLeastWarn(level: string): string {
  return QUIETER_THAN_WARN.has(level) ? level : 'warn';
}
