// Running `exfilguard run` in integration tests: in-process (fast), or as a child
// process (for SIGTERM and kill -9), against the run's broker and a Redis of the
// test's choice, on topics and a group of the test's own.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Partitioners, type KafkaMessage } from 'kafkajs';
import { loadConfig } from '../../src/config.js';
import { lockoutCommandSchema, type LockoutCommand } from '../../src/decide/lockout.js';
import type { AccessEvent } from '../../src/event/access-event.js';
import { createLogger } from '../../src/log.js';
import { startDetector, type RunningDetector } from '../../src/service/detector-service.js';
import { createTopic, testKafka, uniqueName } from './kafka.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DetectorSetup {
  readonly env: Record<string, string>;
  readonly topics: {
    readonly input: string;
    readonly lockouts: string;
    readonly deadLetters: string;
  };
}

/** Fresh topics (input with `partitions`) and a group, for one test. */
export async function detectorSetup(
  brokers: string[],
  redisUrl: string,
  options: { partitions?: number; env?: Record<string, string> } = {},
): Promise<DetectorSetup> {
  const name = uniqueName('t');
  const topics = {
    input: `${name}.logs`,
    lockouts: `${name}.lockouts`,
    deadLetters: `${name}.dlq`,
  };
  // All three created here, so collectors can subscribe before a detector starts.
  await createTopic(brokers, topics.input, options.partitions ?? 2);
  await createTopic(brokers, topics.lockouts, 2);
  await createTopic(brokers, topics.deadLetters, 1);
  const env = {
    EXFILGUARD_KAFKA_BROKERS: brokers.join(','),
    EXFILGUARD_REDIS_URL: redisUrl,
    EXFILGUARD_KEY_SECRET: `${name}-secret-of-at-least-32-characters`,
    // Each test its own secret, so its own prefix: the key-secret marker is per prefix.
    EXFILGUARD_REDIS_KEY_PREFIX: name,
    EXFILGUARD_INPUT_TOPIC: topics.input,
    EXFILGUARD_LOCKOUT_TOPIC: topics.lockouts,
    EXFILGUARD_DEAD_LETTER_TOPIC: topics.deadLetters,
    EXFILGUARD_GROUP_ID: `${name}.group`,
    EXFILGUARD_TOPIC_PARTITIONS: '2',
    EXFILGUARD_HTTP_HOST: '127.0.0.1',
    EXFILGUARD_HTTP_PORT: '0',
    EXFILGUARD_LOG_LEVEL: 'error',
    EXFILGUARD_KAFKA_SESSION_TIMEOUT: '6s',
    EXFILGUARD_REDIS_RETRY_MIN: '100ms',
    EXFILGUARD_REDIS_RETRY_MAX: '500ms',
    EXFILGUARD_REDIS_COMMAND_TIMEOUT: '500ms',
    ...options.env,
  };
  return { env, topics };
}

export async function startInProcess(setup: DetectorSetup): Promise<RunningDetector> {
  const config = loadConfig(setup.env);
  return startDetector(config, createLogger(config.logLevel));
}

/** `exfilguard run` as a child process (tsx, no build needed). */
export function spawnDetector(setup: DetectorSetup): ChildProcess {
  return spawnCli(['run'], setup.env);
}

/** Any `exfilguard` command as a child process, with only `env` besides PATH and HOME. */
export function spawnCli(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawnTypeScript('src/cli.ts', args, env);
}

/** A TypeScript file of the repository run by node (tsx, no build), with only `env` besides PATH and HOME. */
export function spawnTypeScript(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  Object.defineProperty(child, 'output', { get: () => output });
  return child;
}

export function childOutput(child: ChildProcess): string {
  return (child as ChildProcess & { output: string }).output;
}

/** The exit code, or 'timeout' (the child killed) if it is still running after `ms`. */
export async function exitedWithin(
  child: ChildProcess,
  ms: number,
): Promise<number | null | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    exited(child),
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
  ]);
  clearTimeout(timer);
  if (code === 'timeout') child.kill('SIGKILL');
  return code;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Produces events as JSON, keyed by client IP (as producers are asked to). */
export async function produceEvents(
  brokers: string[],
  topic: string,
  events: readonly (AccessEvent | string)[],
): Promise<number> {
  const producer = testKafka(brokers).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const sentAt = Date.now();
  const messages = events.map((event) =>
    typeof event === 'string'
      ? { key: null, value: event }
      : { key: event.ip, value: JSON.stringify(event) },
  );
  for (let i = 0; i < messages.length; i += 500) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 500) });
  }
  await producer.disconnect();
  return sentAt;
}

export interface Received {
  readonly message: KafkaMessage;
  readonly receivedAt: number;
}

/** Reads a topic from the beginning into an array, until stopped. */
export async function collectTopic(brokers: string[], topic: string) {
  const received: Received[] = [];
  const consumer = testKafka(brokers).consumer({
    groupId: uniqueName('collector'),
    maxWaitTimeInMs: 50,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push({ message, receivedAt: Date.now() });
    },
  });
  return { received, stop: () => consumer.disconnect() };
}

/** The lockout commands among records collected from the lockouts topic, validated. */
export function lockoutsOf(received: readonly Received[]): LockoutCommand[] {
  return received.map((r) => lockoutCommandSchema.parse(JSON.parse(r.message.value!.toString())));
}

export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An ascending scan of `/api/users/:id` by one address, one event every `everyMs`. */
export function scanEvents(
  ip: string,
  count: number,
  startTs: number,
  everyMs = 100,
  firstId = 1000,
  /** Each test its own route: a route's own window (distributed-sweep) outlives a test. */
  route = '/api/users',
): AccessEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: startTs + i * everyMs,
    ip,
    method: 'GET',
    path: `${route}/${firstId + i}`,
    status: 200,
    bytes: 800,
  }));
}

/**
 * Produces events in chunks over time, so a detector can be hurt mid-stream;
 * `progress.started` counts the events handed to the producer so far.
 */
export async function produceOverTime(
  brokers: string[],
  topic: string,
  events: readonly AccessEvent[],
  options: { chunk: number; everyMs: number; progress?: { started: number } },
): Promise<void> {
  const producer = testKafka(brokers).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += options.chunk) {
      const messages = events
        .slice(i, i + options.chunk)
        .map((e) => ({ key: e.ip, value: JSON.stringify(e) }));
      // Counted before the send: events past `started` are surely not on the topic yet.
      if (options.progress) options.progress.started = i + messages.length;
      await producer.send({ topic, acks: -1, messages });
      await new Promise((resolve) => setTimeout(resolve, options.everyMs));
    }
  } finally {
    await producer.disconnect();
  }
}

/** `id rule scope:subject` of every lockout message received, sorted (duplicates kept). */
export function receivedLockouts(received: readonly Received[]): string[] {
  return received
    .map(
      (r) =>
        JSON.parse(r.message.value!.toString()) as {
          id: string;
          rule: string;
          scope: string;
          subject: string;
        },
    )
    .map((l) => `${l.id} ${l.rule} ${l.scope}:${l.subject}`)
    .sort();
}

/**
 * Waits until `count` messages arrived and none more came for `quietMs`; with
 * `counted`, only the messages it accepts count towards `count`.
 */
export async function settle(
  received: readonly Received[],
  count: number,
  timeoutMs: number,
  quietMs = 1500,
  counted: (message: Received) => boolean = () => true,
): Promise<void> {
  const arrived = (): number => received.filter(counted).length;
  await waitFor(() => arrived() >= count, timeoutMs, `${count} messages (got ${arrived()})`);
  let seen = received.length;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    if (received.length === seen) return;
    seen = received.length;
  }
}
