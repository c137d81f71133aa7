// `npm run bench`: the streaming detector against a bare kafkajs consumer, on this
// machine, with the broker and Redis on it too. One run measures:
//   1. a bare eachBatch consumer that only JSON-parses a pre-produced topic (the ceiling);
//   2. `exfilguard run` (the built CLI, a child process) over the same topic;
//   3. detection latency (produce time of the triggering event → lockout on the topic)
//      at a steady 10,000 events/s;
//   4. Redis commands per event, Redis bytes per tracked actor and rule, detector RSS;
//   5. CPU per event of the detector and of redis-server while it consumed (2).
// It ends with one JSON line, for scripts that compare runs.
//   BENCH_EVENTS=1000000 (default)  KAFKA_BROKERS / REDIS_URL to use running services
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { LocalKafka } from '../scripts/kafka/local-kafka.js';
import { LocalRedis } from '../scripts/redis/local-redis.js';
import { freePort } from '../scripts/lib/service-process.js';
import { benchEvents, steadyEvents } from './detector-workload.js';
import { countWindows } from './redis-windows.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Official figures are on the built JS, never tsx. */
function ensureBuilt(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
/** How long the steady 10,000 events/s phase is measured: ~3 lockouts a second, for the p99. */
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 60);
/** Seconds of that traffic before the measurement (reported apart). */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
/** BENCH_LATENCY_ONLY=1: only the steady 10,000 events/s phase (for latency work). */
const LATENCY_ONLY = process.env.BENCH_LATENCY_ONLY === '1';
const PARTITIONS = 4;
const say = (text: string) => process.stderr.write(`${text}\n`);

async function main(): Promise<void> {
  ensureBuilt();
  const kafkaService = process.env.KAFKA_BROKERS
    ? undefined
    : await LocalKafka.start({ heapMb: 1024 });
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? kafkaService!.brokers;
  const redisService = process.env.REDIS_URL ? undefined : await LocalRedis.start();
  const redisUrl = process.env.REDIS_URL ?? redisService!.url;
  const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
  const run = `bench-${Date.now()}`;
  try {
    const input = `${run}.logs`;
    await createTopics(kafka, [input, `${run}.lockouts`, `${run}.dlq`]);
    let bare = NaN;
    if (!LATENCY_ONLY) {
      say(`producing ${TOTAL.toLocaleString('en-US')} events to ${input} …`);
      await produce(kafka, input, benchEvents(TOTAL, Date.now() - 3_600_000));
      bare = await bareConsumer(kafka, input, TOTAL);
      say(`bare consumer: ${Math.round(bare).toLocaleString('en-US')} events/s`);
    }

    const redis = new Redis(redisUrl);
    await redis.flushdb();
    const before = await redisFigures(redis);
    const port = await freePort();
    const detector = spawnDetector(brokers, redisUrl, run, port);
    // A phase that throws must not leave the detector running after the bench.
    process.once('exit', () => detector.kill('SIGKILL'));
    let throughput = NaN;
    let detectorCpuUsPerEvent = NaN;
    let redisCpuUsPerEvent = NaN;
    if (!LATENCY_ONLY) {
      ({
        eventsPerSecond: throughput,
        detectorCpuUsPerEvent,
        redisCpuUsPerEvent,
      } = await detectorThroughput(port, TOTAL, detector.pid!, redis));
      say(
        `exfilguard run: ${Math.round(throughput).toLocaleString('en-US')} events/s; CPU per ` +
          `event: detector ${detectorCpuUsPerEvent} µs, redis-server ${redisCpuUsPerEvent} µs`,
      );
    } else {
      await waitForMetrics(port);
    }
    const after = await redisFigures(redis);

    const stagesBefore = await stageFigures(port);
    const latency = await steadyLatency(kafka, `${run}.logs`, `${run}.lockouts`);
    const stages = stageDelta(stagesBefore, await stageFigures(port));
    say(
      `detection latency at 10,000 events/s: p50 ${latency.p50} ms, p99 ${latency.p99} ms ` +
        `(${latency.count} lockouts after ${WARMUP_SECONDS} s; with those of the warm-up: ` +
        `p50 ${latency.withWarmup.p50}, p99 ${latency.withWarmup.p99})`,
    );
    say(
      `  meanwhile: ${stages.batches} batches of ${stages.eventsPerBatch} events, ` +
        `batch ${stages.batchMs} ms = store ${stages.storeMs} + Kafka ${stages.kafkaMs} (means)`,
    );
    const rssBytes = peakRss(detector);
    detector.kill('SIGTERM');
    await new Promise((resolve) => detector.once('exit', resolve));
    redis.disconnect();

    const figures = {
      events: TOTAL,
      eventsPerSecond: Math.round(throughput),
      bareEventsPerSecond: Math.round(bare),
      ratio: Number((throughput / bare).toFixed(3)),
      // CPU (user + system) per event while it consumed the topic, from /proc and INFO cpu.
      detectorCpuUsPerEvent,
      redisCpuUsPerEvent,
      p50DetectionMs: latency.p50,
      p99DetectionMs: latency.p99,
      // Event time → the detector's decision (before the Kafka transaction and the reader).
      p50DecisionMs: latency.decidedP50,
      p99DecisionMs: latency.decidedP99,
      latencyIncludingWarmup: latency.withWarmup,
      steadyPhase: stages,
      // Of the throughput phase: with BENCH_LATENCY_ONLY=1 there is none (null).
      ...throughputOnly({
        redisCommandsPerEvent: Number(((after.calls - before.calls) / TOTAL).toFixed(3)),
        redisRoundTripCommandsPerEvent: Number(
          ((after.topCalls - before.topCalls) / TOTAL).toFixed(4),
        ),
        redisBytesPerActorRule: Math.round(
          (after.memory - before.memory) / Math.max(1, after.windowKeys),
        ),
        trackedActorRules: after.windowKeys,
      }),
      rssBytes,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await redisService?.stop();
    await kafkaService?.stop();
  }
}

/** The figures as they are, or each null when no throughput phase ran (latency only). */
function throughputOnly<T extends Record<string, number>>(
  figures: T,
): Record<keyof T, number | null> {
  if (!LATENCY_ONLY) return figures;
  return Object.fromEntries(Object.keys(figures).map((name) => [name, null])) as Record<
    keyof T,
    null
  >;
}

async function createTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  });
  await admin.disconnect();
}

async function produce(
  kafka: Kafka,
  topic: string,
  events: Iterable<{ ip: string }>,
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let batch: { key: string; value: string }[] = [];
  const pending: Promise<unknown>[] = [];
  for (const event of events) {
    batch.push({ key: event.ip, value: JSON.stringify(event) });
    if (batch.length === 5000) {
      pending.push(producer.send({ topic, acks: 1, messages: batch }));
      batch = [];
      if (pending.length >= 4) await pending.shift();
    }
  }
  if (batch.length > 0) pending.push(producer.send({ topic, acks: 1, messages: batch }));
  await Promise.all(pending);
  await producer.disconnect();
}

/** The ceiling: kafkajs eachBatch, JSON.parse of every message, nothing else. */
async function bareConsumer(kafka: Kafka, topic: string, total: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `${topic}.bare`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let started = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 2,
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        for (const message of batch.messages) JSON.parse(message.value!.toString());
        seen += batch.messages.length;
        if (seen >= total) resolve(performance.now());
      },
    });
  });
  const ended = await done;
  await consumer.disconnect();
  return (total / (ended - started)) * 1000;
}

function spawnDetector(
  brokers: string[],
  redisUrl: string,
  run: string,
  port: number,
): ChildProcess {
  // BENCH_PROFILE=DIR writes a V8 CPU profile of the detector there, at exit.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  // BENCH_NODE_FLAGS="--trace-gc …": more flags for the detector; BENCH_DETECTOR_OUT=FILE
  // keeps its standard output (where --trace-gc writes).
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const out = process.env.BENCH_DETECTOR_OUT
    ? openSync(process.env.BENCH_DETECTOR_OUT, 'w')
    : 'ignore';
  return spawn(process.execPath, [...profile, ...flags, 'dist/src/cli.js', 'run'], {
    cwd: ROOT,
    stdio: ['ignore', out, 'inherit'],
    env: {
      PATH: process.env.PATH ?? '',
      EXFILGUARD_KAFKA_BROKERS: brokers.join(','),
      EXFILGUARD_REDIS_URL: redisUrl,
      EXFILGUARD_KEY_SECRET: 'bench-secret-bench-secret-bench-secret',
      EXFILGUARD_INPUT_TOPIC: `${run}.logs`,
      EXFILGUARD_LOCKOUT_TOPIC: `${run}.lockouts`,
      EXFILGUARD_DEAD_LETTER_TOPIC: `${run}.dlq`,
      EXFILGUARD_GROUP_ID: `${run}.detector`,
      EXFILGUARD_HTTP_HOST: '127.0.0.1',
      EXFILGUARD_HTTP_PORT: String(port),
      EXFILGUARD_LOG_LEVEL: 'error',
      // Any EXFILGUARD_* of the bench's own environment: to measure a setting.
      ...Object.fromEntries(
        Object.entries(process.env).filter(([name]) => name.startsWith('EXFILGUARD_')),
      ),
    },
  });
}

async function scrape(port: number): Promise<string> {
  return fetch(`http://127.0.0.1:${port}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
}

async function waitForMetrics(port: number): Promise<void> {
  while (!(await scrape(port)).includes('exfilguard_ready{component="kafka"} 1'))
    await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Sums and counts of the detector's batch and store histograms, and valid events. */
async function stageFigures(port: number) {
  const text = await scrape(port);
  const value = (series: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${series} `))
        ?.split(' ')[1] ?? 0,
    );
  return {
    batches: value('exfilguard_batch_duration_seconds_count'),
    batchSeconds: value('exfilguard_batch_duration_seconds_sum'),
    storeCalls: value('exfilguard_redis_duration_seconds_count'),
    storeSeconds: value('exfilguard_redis_duration_seconds_sum'),
    events: value('exfilguard_events_total{outcome="valid",reason=""}'),
  };
}

function stageDelta(
  a: Awaited<ReturnType<typeof stageFigures>>,
  b: Awaited<ReturnType<typeof stageFigures>>,
) {
  const batches = b.batches - a.batches;
  return {
    batches,
    eventsPerBatch: Math.round((b.events - a.events) / Math.max(1, batches)),
    batchMs: Math.round(((b.batchSeconds - a.batchSeconds) / Math.max(1, batches)) * 1000),
    // Per batch: the window-store calls (engine included), and the rest: mostly Kafka
    // (publish and commit, or commit alone).
    storeMs: Math.round(((b.storeSeconds - a.storeSeconds) / Math.max(1, batches)) * 1000),
    kafkaMs: Math.round(
      ((b.batchSeconds - a.batchSeconds - (b.storeSeconds - a.storeSeconds)) /
        Math.max(1, batches)) *
        1000,
    ),
  };
}

async function consumedSoFar(port: number): Promise<number> {
  const text = await scrape(port);
  const line = text
    .split('\n')
    .find((l) => l.startsWith('exfilguard_events_total{outcome="valid"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/**
 * From the first consumed batch to the last of `total`: events/s, and CPU µs per event
 * of the detector process and of redis-server over the same span (their user + system
 * time; with broker and Redis on the same cores, CPU is the figure a faster machine
 * does not change).
 */
async function detectorThroughput(
  port: number,
  total: number,
  detectorPid: number,
  redis: Redis,
): Promise<{ eventsPerSecond: number; detectorCpuUsPerEvent: number; redisCpuUsPerEvent: number }> {
  let first = 0;
  let firstCount = 0;
  let detectorCpu = 0;
  let redisCpu = 0;
  for (;;) {
    const count = await consumedSoFar(port);
    if (count > 0 && first === 0) {
      first = performance.now();
      firstCount = count;
      detectorCpu = processCpuSeconds(detectorPid);
      redisCpu = await redisCpuSeconds(redis);
    }
    if (count >= total) {
      const events = count - firstCount;
      const perEvent = (seconds: number) => Number(((seconds / events) * 1e6).toFixed(2));
      return {
        eventsPerSecond: (events / (performance.now() - first)) * 1000,
        detectorCpuUsPerEvent: perEvent(processCpuSeconds(detectorPid) - detectorCpu),
        redisCpuUsPerEvent: perEvent((await redisCpuSeconds(redis)) - redisCpu),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** User + system CPU seconds of a process so far (stat(5): utime and stime, fields 14 and 15). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count from the ')' that closes it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** redis-server's own user + system CPU seconds (INFO cpu), wherever it runs. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  let seconds = 0;
  for (const line of (await redis.info('cpu')).split('\n')) {
    const [name, value] = line.trim().split(':');
    if (name === 'used_cpu_user' || name === 'used_cpu_sys') seconds += Number(value);
  }
  return seconds;
}

interface LatencySample {
  /** Lockout received on the topic − the triggering event's produce time. */
  readonly received: number;
  /** The detector's share: its decision time (issuedAt) − the event's time. */
  readonly decided: number;
  readonly eventTime: number;
  readonly arrival: number;
}

/**
 * Detection latency at a steady 10,000 events/s: WARMUP_SECONDS of that traffic first
 * (the detector goes from idle to the new rate; those lockouts are counted apart), then
 * STEADY_SECONDS measured.
 */
async function steadyLatency(kafka: Kafka, input: string, lockoutTopic: string) {
  const samples: LatencySample[] = [];
  const consumer = kafka.consumer({ groupId: `${lockoutTopic}.latency`, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topics: [lockoutTopic], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const lockout = JSON.parse(message.value!.toString()) as {
        eventTime: string;
        issuedAt: string;
        subject: string;
      };
      if (!lockout.subject.startsWith('203.0.')) return;
      const arrival = Date.now();
      const eventTime = Date.parse(lockout.eventTime);
      samples.push({
        received: arrival - eventTime,
        decided: Date.parse(lockout.issuedAt) - eventTime,
        eventTime,
        arrival,
      });
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 3000)); // joined before we produce
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const began = Date.now();
  const measuredFrom = began + WARMUP_SECONDS * 1000;
  // 10,000 events/s: a send of 500 every 50 ms; event time = send time.
  for (let tick = 0; tick < (WARMUP_SECONDS + STEADY_SECONDS) * 20; tick += 1) {
    const due = performance.now() + 50;
    const events = steadyEvents(tick, Date.now(), 500);
    await producer.send({
      topic: input,
      acks: 1,
      messages: events.map((e) => ({ key: e.ip, value: JSON.stringify(e) })),
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await producer.disconnect();
  await consumer.disconnect();
  // BENCH_LATENCY_TRACE=1: every latency in order of arrival, to see where the tail is.
  if (process.env.BENCH_LATENCY_TRACE === '1') {
    const trace = samples.map(
      (x) => `${x.received}/${x.decided}@${Math.round((x.arrival - began) / 1000)}`,
    );
    say(`latencies in order (received/decided ms @ s since the traffic began): ${trace.join(' ')}`);
  }
  const measured = samples.filter((x) => x.eventTime >= measuredFrom);
  const received = percentiles(measured.map((x) => x.received));
  const decided = percentiles(measured.map((x) => x.decided));
  const withWarmup = percentiles(samples.map((x) => x.received));
  return {
    p50: received.p50,
    p99: received.p99,
    count: measured.length,
    decidedP50: decided.p50,
    decidedP99: decided.p99,
    withWarmup: { ...withWarmup, count: samples.length },
  };
}

function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

async function redisFigures(redis: Redis) {
  const stats = await redis.info('commandstats');
  let calls = 0;
  let topCalls = 0;
  for (const line of stats.split('\n')) {
    const match = /^cmdstat_([a-z|]+):calls=(\d+)/.exec(line);
    if (!match) continue;
    calls += Number(match[2]);
    if (['evalsha', 'eval', 'hdel'].includes(match[1]!)) topCalls += Number(match[2]);
  }
  const memory = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  // Actor × rule (× route) windows: the `w` entries of every actor's state value.
  let windowKeys = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'eg:*', 'COUNT', 10_000);
    windowKeys += await countWindows(redis, keys);
    cursor = next;
  } while (cursor !== '0');
  return { calls, topCalls, memory, windowKeys };
}

/** Peak resident set (VmHWM) of the child, from /proc. */
function peakRss(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

await main();
