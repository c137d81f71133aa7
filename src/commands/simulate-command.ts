// `exfilguard simulate`: live benign traffic with an attack every few minutes, to
// Kafka (configured as `exfilguard run` is, so the two meet on one input topic) or
// as JSON lines on stdout. Event time is the wall clock; SIGTERM/SIGINT flush and exit 0.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Partitioners } from 'kafkajs';
import { loadKafkaConfig, type KafkaConfig } from '../config.js';
import type { AccessEvent } from '../event/index.js';
import { createKafka, ensureTopics } from '../clients/kafka.js';
import { createLogger, type Logger } from '../log.js';
import { parseDuration } from '../vocabulary/units.js';
import { type AttackLaunch, FIXED_BENIGN_RATE, liveTraffic, release } from '../simulate/index.js';
import { UsageError, type CommandIo } from './io.js';
import { untilStopped } from './shutdown.js';

const MAX_RATE = 2000;

export const SIMULATE_USAGE = `Usage: exfilguard simulate [options]   (to Kafka, configured by the same EXFILGUARD_KAFKA_*
                                       and EXFILGUARD_INPUT_TOPIC variables as run)

  --rate EVENTS_PER_S  benign events a second (default 50, from 2 to ${MAX_RATE})
  --attack-every DURATION
                       time between attacks (default 3m; the first after 30s or sooner); they cycle
                       through id scans (ascending, strided, shuffled), 404 probing, an export
                       pull and one account scanning from many addresses
  --duration DURATION  stop after this long (default: until SIGINT or SIGTERM)
  --seed N             addresses, ids and timings from this seed (default: random, logged)
  --out -              JSON lines on stdout instead of Kafka (logs go to stderr)
`;

export interface SimulateOptions {
  readonly ratePerSecond: number;
  readonly attackEveryMs: number;
  readonly durationMs?: number;
  readonly seed: number;
  readonly out: 'kafka' | 'stdout';
}

export interface EventSink {
  send(events: readonly AccessEvent[]): Promise<void>;
  close(): Promise<void>;
}

export function parseSimulateArgs(argv: readonly string[]): SimulateOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rate: { type: 'string', default: '50' },
      'attack-every': { type: 'string', default: '3m' },
      duration: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const ratePerSecond = Number(values.rate);
  if (!(ratePerSecond >= Math.ceil(FIXED_BENIGN_RATE) && ratePerSecond <= MAX_RATE))
    throw new UsageError(
      `--rate takes events a second from 2 to ${MAX_RATE}, got "${values.rate}"`,
    );
  const attackEveryMs = positiveDuration('--attack-every', values['attack-every']);
  const seed = values.seed === undefined ? randomInt(2 ** 31) : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new UsageError(`--seed takes a whole number, got "${values.seed}"`);
  if (values.out !== undefined && values.out !== '-')
    throw new UsageError(`--out takes "-" (stdout); without it events go to Kafka`);
  return {
    ratePerSecond,
    attackEveryMs,
    ...(values.duration !== undefined && {
      durationMs: positiveDuration('--duration', values.duration),
    }),
    seed,
    out: values.out === '-' ? 'stdout' : 'kafka',
  };
}

function positiveDuration(option: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1000)
    throw new UsageError(
      `${option} takes a duration of 1s or more like "90s" or "3m", got "${text}"`,
    );
  return ms;
}

export async function simulateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const options = parseSimulateArgs(argv);
  // On stdout the events are the output: the logs keep to stderr.
  const { logger, sink } =
    options.out === 'stdout'
      ? { logger: createLogger('info', { write: io.stderr }), sink: stdoutSink(io) }
      : await kafkaSinkFromEnvironment();
  return untilStopped((signal) => simulate(options, sink, logger, signal), logger);
}

/**
 * Plays live traffic into the sink until the run ends or `signal` aborts, then closes
 * the sink. Each attack is logged (which kind, whom, which rule must lock it out) and
 * handed to `onAttack` (the demo names attacks in its table).
 */
export async function simulate(
  options: SimulateOptions,
  sink: EventSink,
  logger: Logger,
  signal: AbortSignal,
  onAttack?: (launch: AttackLaunch) => void,
): Promise<void> {
  const start = Date.now();
  logger.info({ ...options, start: new Date(start).toISOString() }, 'simulating traffic');
  const slices = liveTraffic({ ...options, start });
  const hooks = {
    send: (events: readonly AccessEvent[]) => sink.send(events),
    onAttack: (launch: AttackLaunch) => {
      logAttack(logger, launch);
      onAttack?.(launch);
    },
  };
  try {
    const released = await release(slices, hooks, signal);
    logger.info(released, 'simulation ended');
  } finally {
    await sink.close();
  }
}

function logAttack(logger: Logger, launch: AttackLaunch): void {
  const actor = `${launch.subject.scope}:${launch.subject.subject}`;
  logger.info(
    { attack: launch.kind, n: launch.n, rule: launch.rule, actor, requests: launch.events },
    `attack started: ${launch.kind} by ${actor}, for ${launch.rule} to lock out`,
  );
}

/** Events as the input contract has them, with an ISO time that people can read. */
function eventJson(event: AccessEvent): string {
  return JSON.stringify({ ...event, ts: new Date(event.ts).toISOString() });
}

function stdoutSink(io: CommandIo): EventSink {
  return {
    send: async (events) => io.stdout(events.map((event) => `${eventJson(event)}\n`).join('')),
    close: async () => {},
  };
}

async function kafkaSinkFromEnvironment(): Promise<{ logger: Logger; sink: EventSink }> {
  const config = loadKafkaConfig();
  const logger = createLogger(config.logLevel, config.logFormat);
  return { logger, sink: await kafkaSink(config, logger) };
}

/** The input topic as a sink (created first when the configuration says so), keyed by address. */
export async function kafkaSink(config: KafkaConfig, logger: Logger): Promise<EventSink> {
  const kafka = createKafka(config, logger);
  if (config.kafka.createTopics) await ensureTopics(kafka, config);
  const producer = kafka.producer({
    // Java's partitioner (murmur2): the same key lands where other producers put it.
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const topic = config.topics.input;
  const sink: EventSink = {
    send: async (events) => {
      // Keyed by client address, as the input contract asks of producers.
      const messages = events.map((event) => ({ key: event.ip, value: eventJson(event) }));
      await producer.send({ topic, acks: -1, messages });
    },
    close: () => producer.disconnect(),
  };
  return sink;
}
