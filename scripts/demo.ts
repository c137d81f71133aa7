// `npm run demo`: the whole thing live on one machine. A Kafka broker from the jars
// and a redis-server of its own on free loopback ports (or the ones configured in
// EXFILGUARD_KAFKA_BROKERS / EXFILGUARD_REDIS_URL), the streaming detector, the
// simulator with an attack every few seconds, and a table of the lockouts as the
// detector publishes them. Ctrl-C (or SIGTERM, or --duration) stops what it started,
// in order, and deletes its temporary folders.
//
//   npm run demo -- [--attack-every 15s] [--rate 20] [--duration 5m] [--seed N]
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadKafkaConfig, TOPIC_DEFAULTS } from '../src/config.js';
import { createKafka, ensureTopics } from '../src/clients/kafka.js';
import { followLockouts } from '../src/commands/lockouts-follow.js';
import { RecordStreamTable } from '../src/commands/lockouts-output.js';
import { UsageError } from '../src/commands/io.js';
import {
  kafkaSink,
  parseSimulateArgs,
  simulate,
  type SimulateOptions,
} from '../src/commands/simulate-command.js';
import type { LockoutRecord } from '../src/decide/lockout.js';
import { createLogger, type Logger } from '../src/log.js';
import { startDetector } from '../src/service/detector-service.js';
import type { AttackLaunch } from '../src/simulate/index.js';
import { ExfilguardError } from '../src/vocabulary/errors.js';
import { formatDuration } from '../src/vocabulary/units.js';
import { LocalKafka, missingForLocalKafka } from './kafka/local-kafka.js';
import { LocalRedis } from './redis/local-redis.js';
import { findOnPath, freePort } from './lib/service-process.js';

const DEBIAN_PACKAGES = 'openjdk-17-jre-headless maven redis-server';
/** Six attack kinds in turn: with 15 s between attacks, the last starts 90 s in. */
const DEMO_DEFAULTS = ['--attack-every', '15s', '--rate', '20'];
const USAGE = `Usage: npm run demo -- [options]   (its own broker and redis-server unless EXFILGUARD_KAFKA_BROKERS
                                    and EXFILGUARD_REDIS_URL, with EXFILGUARD_KEY_SECRET, name yours)

  --attack-every DURATION  time between attacks (default 15s: all six kinds within two minutes)
  --rate EVENTS_PER_S      benign events a second (default 20)
  --duration DURATION      stop after this long (default: until Ctrl-C or SIGTERM)
  --seed N                 addresses, ids and timings from this seed (default: random, printed)
`;
/** A demo broker beside the detector on a laptop or a 2-core runner: no server heap. */
const BROKER_HEAP_MB = 256;
/** Variables the demo's own programs read, not exfilguard settings (loadConfig refuses them). */
const NOT_SETTINGS = ['EXFILGUARD_KAFKA_JARS'];

/** Something started, and how to stop it; stopped in the reverse order of starting. */
interface Started {
  readonly name: string;
  stop(): Promise<void>;
}

interface Services {
  readonly brokers: string;
  readonly redisUrl: string;
  /** Lines of the banner: what runs where. */
  readonly lines: string[];
}

const write = (text: string) => void process.stdout.write(text);

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    write(USAGE);
    return 0;
  }
  if (argv.includes('--out'))
    throw new UsageError('the demo sends to Kafka: --out is not an option');
  const options = parseSimulateArgs([...DEMO_DEFAULTS, ...argv]);
  await checkPrograms(process.env);

  const started: Started[] = [];
  let stopRequested: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (stopRequested = resolve));
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) return stopRequested(signal);
    // A second Ctrl-C: the children die with this process (service-process.ts exit hook).
    process.stderr.write('demo: stopping at once; temporary folders may be left behind\n');
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const began = Date.now();
  try {
    const { simulating } = await startDemo(options, started, () => signals > 0, began);
    if (options.durationMs !== undefined) {
      setTimeout(() => stopRequested('--duration'), options.durationMs).unref();
    }
    // A simulator that fails rejects this: caught below, everything stopped, exit 1.
    const reason = await Promise.race([stopped, simulating.then(() => 'simulation ended')]);
    const names = [...started].reverse().filter((part) => !part.name.startsWith('log'));
    write(`\nstopping (${reason}): ${names.map((part) => part.name).join(', ')}\n`);
    return await finish(started, began, 0);
  } catch (error) {
    if (error instanceof Interrupted) {
      write('\nstopping (interrupted while starting)\n');
      return finish(started, began, 0);
    }
    process.stderr.write(`demo: ${describe(error)}\n`);
    if (started.length > 0) process.stderr.write('demo: stopping what was started\n');
    return finish(started, began, 1);
  }
}

/**
 * Starts everything in order (services, topics, the table, the detector, the simulator),
 * each pushed on `started` as soon as it runs, and prints what runs where. Resolves with
 * the simulation (a promise), which runs until stopped.
 */
async function startDemo(
  options: SimulateOptions,
  started: Started[],
  interrupted: () => boolean,
  began: number,
): Promise<{ simulating: Promise<void> }> {
  const logDir = await mkdtemp(join(tmpdir(), 'exfilguard-demo-'));
  started.push({ name: 'logs folder', stop: () => rm(logDir, { recursive: true, force: true }) });
  const services = await startServices(process.env, started);
  if (interrupted()) throw new Interrupted();
  const env = demoEnvironment(process.env, services);
  env.EXFILGUARD_HTTP_PORT = String(await freePort());
  const config = loadConfig(env);
  const kafkaConfig = loadKafkaConfig(env);
  const logs = {
    detector: join(logDir, 'detector.log'),
    simulator: join(logDir, 'simulator.log'),
    follow: join(logDir, 'follow.log'),
  };
  const followLogger = fileLogger('warn', logs.follow, started);
  // Topics first, so the table follows the lockouts topic before the detector writes to it.
  await ensureTopics(createKafka(config, followLogger), config);
  const attacks = new AttackBook();
  const table = new RecordStreamTable({ title: 'ATTACK', width: 26 });
  const follower = await followLockouts(
    {
      kafka: createKafka(kafkaConfig, followLogger),
      topic: config.topics.lockouts,
      logger: followLogger,
      fromBeginning: false,
    },
    {
      onRecord: (record) => write(table.row(record, attacks.nameOf(record))),
      onTombstone: (parts) => write(table.tombstoneRow(parts, Date.now())),
    },
  );
  started.push({ name: 'lockouts table', stop: () => follower.stop() });
  await follower.untilCaughtUp();

  const detector = await startDetector(config, fileLogger(config.logLevel, logs.detector, started));
  started.push({ name: 'detector', stop: () => detector.stop() });
  if (interrupted()) throw new Interrupted();

  const simulatorLogger = fileLogger(config.logLevel, logs.simulator, started);
  const simulation = new AbortController();
  const sink = await kafkaSink(kafkaConfig, simulatorLogger);
  const simulating = simulate(options, sink, simulatorLogger, simulation.signal, (launch) =>
    attacks.record(launch),
  );
  started.push({
    name: 'simulator',
    stop: async () => {
      simulation.abort();
      await simulating;
    },
  });

  write(
    [
      `exfilguard demo: ${options.ratePerSecond} benign events/s and an attack every ` +
        `${formatDuration(options.attackEveryMs)} (seed ${options.seed}), started in ${seconds(Date.now() - began)}`,
      ...services.lines,
      `  detector   pid ${process.pid} (in this process, with the simulator and this table)`,
      `  metrics    ${detector.url}/metrics`,
      `  readiness  ${detector.url}/readyz`,
      `  logs       ${Object.values(logs).join(', ')} (deleted at the end)`,
      `  topics     ${config.topics.input} → detector → ${config.topics.lockouts}; read it yourself: ` +
        `kcat -C -b ${services.brokers} -t ${config.topics.lockouts} -f '%k %s\\n'`,
      'Ctrl-C stops everything. Each lockout prints a row as the detector publishes it:',
      '',
      table.header(),
    ].join('\n'),
  );
  return { simulating };
}

/** A Ctrl-C before everything is up: what is started is stopped, and the demo exits 0. */
class Interrupted extends Error {}

async function finish(started: Started[], began: number, code: number): Promise<number> {
  const stopCode = await stopAll(started);
  if (stopCode === 0) write(`stopped after ${seconds(Date.now() - began)}; nothing left running\n`);
  return Math.max(code, stopCode);
}

/** Stops in the reverse order of starting; a failure is reported and the rest still stopped. */
async function stopAll(started: Started[]): Promise<number> {
  let code = 0;
  for (const part of started.reverse()) {
    try {
      await part.stop();
    } catch (error) {
      code = 1;
      process.stderr.write(`demo: stopping the ${part.name} failed: ${String(error)}\n`);
    }
  }
  return code;
}

/** Fails before anything starts when a program it would run is missing. */
async function checkPrograms(given: NodeJS.ProcessEnv): Promise<void> {
  const missing: string[] = [];
  if (!given.EXFILGUARD_KAFKA_BROKERS) missing.push(...(await missingForLocalKafka(given)));
  const ownRedis = !given.EXFILGUARD_REDIS_URL && !given.EXFILGUARD_REDIS_CLUSTER_NODES;
  if (ownRedis && !given.REDIS_SERVER_BIN && !findOnPath('redis-server', given))
    missing.push('redis-server');
  if (missing.length === 0) return;
  throw new ExfilguardError(
    'PROGRAM_MISSING',
    `the demo runs a Kafka broker and a redis-server of its own, and needs ${missing.join(', ')} ` +
      `on PATH. Install them (Debian/Ubuntu: sudo bash scripts/setup.sh, or apt-get install ` +
      `${DEBIAN_PACKAGES}), or set EXFILGUARD_KAFKA_BROKERS and EXFILGUARD_REDIS_URL to ones you run.`,
  );
}

/** The configured broker and Redis, or local ones of the demo's own on free loopback ports. */
async function startServices(given: NodeJS.ProcessEnv, started: Started[]): Promise<Services> {
  const lines: string[] = [];
  // Redis first: the broker is stopped before it (in reverse order), after the detector.
  let redisUrl = given.EXFILGUARD_REDIS_URL ?? given.EXFILGUARD_REDIS_CLUSTER_NODES;
  if (redisUrl) lines.push(`  redis      configured (EXFILGUARD_REDIS_URL or _CLUSTER_NODES)`);
  else {
    const redis = await LocalRedis.start({ ownProcessGroup: true });
    started.push({ name: 'redis-server', stop: () => redis.stop() });
    redisUrl = redis.url;
    lines.push(`  redis      ${redisUrl} pid ${redis.pid}, data and log ${redis.dataDir}`);
  }
  let brokers = given.EXFILGUARD_KAFKA_BROKERS;
  if (brokers) lines.push(`  broker     ${brokers} (EXFILGUARD_KAFKA_BROKERS)`);
  else {
    write('starting a Kafka broker from the jars (20 s or so)…\n');
    const kafka = await LocalKafka.start({ heapMb: BROKER_HEAP_MB, ownProcessGroup: true });
    started.push({ name: 'broker', stop: () => kafka.stop() });
    brokers = kafka.brokers.join(',');
    lines.push(
      `  broker     ${brokers} (controller 127.0.0.1:${kafka.controllerPort}) pid ${kafka.pid}, ` +
        `data and log ${kafka.dataDir}`,
    );
  }
  return { brokers, redisUrl, lines };
}

/**
 * The detector's settings: the user's EXFILGUARD_* variables, the services, and a
 * loopback HTTP port. On a configured broker the demo keeps to topics and a group of
 * its own (unless named), so its attacks never reach real topics or join a real group.
 */
function demoEnvironment(given: NodeJS.ProcessEnv, services: Services): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (name.startsWith('EXFILGUARD_') && value && !NOT_SETTINGS.includes(name)) env[name] = value;
  }
  const ownBroker = !given.EXFILGUARD_KAFKA_BROKERS;
  const ownRedis = !given.EXFILGUARD_REDIS_URL && !given.EXFILGUARD_REDIS_CLUSTER_NODES;
  if (ownBroker) {
    env.EXFILGUARD_KAFKA_BROKERS = services.brokers;
    // One node on a shared machine: fewer partitions, less work for it.
    env.EXFILGUARD_TOPIC_PARTITIONS ??= '2';
  } else {
    env.EXFILGUARD_INPUT_TOPIC ??= `exfilguard-demo.${TOPIC_DEFAULTS.input}`;
    env.EXFILGUARD_LOCKOUT_TOPIC ??= `exfilguard-demo.${TOPIC_DEFAULTS.lockouts}`;
    env.EXFILGUARD_DEAD_LETTER_TOPIC ??= `exfilguard-demo.${TOPIC_DEFAULTS.deadLetters}`;
    env.EXFILGUARD_AUDIT_TOPIC ??= `exfilguard-demo.${TOPIC_DEFAULTS.audit}`;
    env.EXFILGUARD_GROUP_ID ??= 'exfilguard-demo';
  }
  if (ownRedis) {
    env.EXFILGUARD_REDIS_URL = services.redisUrl;
    // A Redis of its own, empty and deleted at the end: a fresh key per demo.
    env.EXFILGUARD_KEY_SECRET = randomBytes(32).toString('hex');
  } else {
    // Its windows apart from a real detector's on the same Redis (and under a marker of
    // their own: window/key-secret-marker.ts), unless named.
    env.EXFILGUARD_REDIS_KEY_PREFIX ??= 'exfilguard-demo';
    if (!env.EXFILGUARD_KEY_SECRET) {
      throw new ExfilguardError(
        'CONFIG_INVALID',
        'with EXFILGUARD_REDIS_URL set, set EXFILGUARD_KEY_SECRET too, the same at every demo on ' +
          'that Redis: the windows there are keyed by it, and the detector refuses to start on ' +
          `state made under another one (the demo's state is under EXFILGUARD_REDIS_KEY_PREFIX, ` +
          `"${env.EXFILGUARD_REDIS_KEY_PREFIX}" unless set; "openssl rand -hex 32 > demo-secret" once)`,
      );
    }
  }
  env.EXFILGUARD_HTTP_HOST = '127.0.0.1';
  return env;
}

/** Which simulated attack a lockout's subject belongs to, for the table's ATTACK column. */
class AttackBook {
  private readonly bySubject = new Map<string, AttackLaunch>();

  record(launch: AttackLaunch): void {
    for (const subject of launch.subjects)
      this.bySubject.set(`${subject.scope}:${subject.subject}`, launch);
  }

  nameOf(record: LockoutRecord): string {
    const launch = this.bySubject.get(`${record.scope}:${record.subject}`);
    return launch === undefined ? '-' : `#${launch.n + 1} ${launch.kind}`;
  }
}

/** A JSON logger into a file, closed (flushed) when the demo stops. */
function fileLogger(level: string, file: string, started: Started[]): Logger {
  const stream: WriteStream = createWriteStream(file, { flags: 'a' });
  started.push({
    name: `log ${file}`,
    stop: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  });
  return createLogger(level, stream);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function describe(error: unknown): string {
  if (error instanceof ExfilguardError) return `[${error.code}] ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`demo: ${describe(error)}\n`);
  // A mistake in the command line (UsageError, node's parseArgs): 2, as the CLI does.
  const usage =
    error instanceof UsageError ||
    String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
  if (usage) process.stderr.write(USAGE);
  return usage ? 2 : 1;
});
// kafkajs and the HTTP server may hold timers a little longer: everything is stopped.
process.exit();
