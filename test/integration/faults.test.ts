// Faults that must lose nothing and announce nothing twice: the detector killed
// (-9) mid-stream, two instances sharing the partitions, Redis frozen, Redis
// restarted with AOF, and a clean SIGTERM. Each run must end with exactly the
// lockouts replay's engine gives for the same events. And one that must not delay
// them: a predecessor's transaction left open, aborted by a restart with its id.
import { afterEach, describe, expect, inject, it } from 'vitest';
import { LocalRedis } from '../../scripts/redis/local-redis.js';
import { freePort } from '../../scripts/lib/service-process.js';
import type { RunningDetector } from '../../src/run/detector.js';
import {
  childOutput,
  collectTopic,
  detectorSetup,
  exited,
  produceEvents,
  produceOverTime,
  receivedLockouts,
  scanEvents,
  settle,
  spawnDetector,
  startInProcess,
  waitFor,
} from '../support/detector.js';
import { testKafka, uniqueName } from '../support/kafka.js';
import { expectedLockouts, faultWorkload } from '../support/workload.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function metricValue(url: string, name: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

// Generous: these run beside the other integration files on two cores.
describe('faults', { timeout: 150_000 }, () => {
  it('kill -9 mid-stream and a restart leave exactly the lockouts of an uninterrupted run', async () => {
    const events = faultWorkload(Date.now());
    const expected = await expectedLockouts(events);
    const setup = await detectorSetup(brokers, redisUrl, { partitions: 3 });
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    cleanups.push(() => lockouts.stop());

    const first = spawnDetector(setup);
    cleanups.push(async () => first.kill('SIGKILL'));
    const producing = produceOverTime(brokers, setup.topics.input, events, {
      chunk: 150,
      everyMs: 60,
    });
    await waitFor(() => lockouts.received.length >= 3, 30_000, 'the first lockouts');
    first.kill('SIGKILL');
    await exited(first);

    const second = spawnDetector(setup);
    cleanups.push(async () => second.kill('SIGKILL'));
    await producing;
    await settle(lockouts.received, expected.length, 45_000);
    second.kill('SIGTERM');
    expect(await exited(second), childOutput(second)).toBe(0);
    expect(receivedLockouts(lockouts.received)).toEqual(expected);
  });

  it('a restart with the same transactional id aborts the transaction its predecessor left open', async () => {
    const transactionalId = uniqueName('exfilguard-instance');
    const setup = await detectorSetup(brokers, redisUrl, {
      env: { EXFILGUARD_KAFKA_TRANSACTIONAL_ID: transactionalId },
    });
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    cleanups.push(() => lockouts.stop());

    // The predecessor: a transaction open on both lockout partitions, never ended, and
    // a timeout (60 s) far past this test's patience.
    const predecessor = testKafka(brokers).producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
    });
    await predecessor.connect();
    cleanups.push(() => predecessor.disconnect());
    const open = await predecessor.transaction();
    await open.send({
      topic: setup.topics.lockouts,
      messages: [0, 1].map((partition) => ({ partition, key: 'ip:x', value: 'never committed' })),
    });

    const detector = await startInProcess(setup);
    cleanups.push(() => detector.stop());
    const sentAt = await produceEvents(
      brokers,
      setup.topics.input,
      scanEvents('203.0.113.90', 60, Date.now()),
    );
    await waitFor(
      () => lockouts.received.length >= 1,
      15_000,
      'the lockout past the open transaction',
    );
    const values = lockouts.received.map((r) => r.message.value?.toString() ?? '');
    expect(values.some((v) => v.includes('203.0.113.90'))).toBe(true);
    expect(values).not.toContain('never committed');
    expect(lockouts.received[0]!.receivedAt - sentAt).toBeLessThan(15_000);
  });

  it('two instances in one group split the partitions and give the lockouts of one', async () => {
    const events = faultWorkload(Date.now());
    const expected = await expectedLockouts(events);
    const setup = await detectorSetup(brokers, redisUrl, { partitions: 4 });
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    cleanups.push(() => lockouts.stop());
    const ports = [await freePort(), await freePort()];
    const members = ports.map((port) =>
      spawnDetector({ ...setup, env: { ...setup.env, EXFILGUARD_HTTP_PORT: String(port) } }),
    );
    for (const member of members) cleanups.push(async () => member.kill('SIGKILL'));
    await Promise.all(ports.map((port) => waitForReady(`http://127.0.0.1:${port}`)));
    await produceOverTime(brokers, setup.topics.input, events, { chunk: 400, everyMs: 20 });
    await settle(lockouts.received, expected.length, 45_000);
    const consumed = await Promise.all(
      ports.map((port) =>
        metricValue(`http://127.0.0.1:${port}`, 'exfilguard_events_total{outcome="valid"'),
      ),
    );
    for (const member of members) member.kill('SIGTERM');
    await Promise.all(members.map(exited));

    expect(receivedLockouts(lockouts.received)).toEqual(expected);
    // Both members consumed, and between them every event exactly once.
    expect(
      consumed.every((count) => count > 0),
      `events per member: ${consumed.join(', ')}`,
    ).toBe(true);
    expect(consumed[0]! + consumed[1]!).toBe(events.length);
  });

  it('Redis frozen for 5 s mid-stream: nothing lost, same lockouts, not ready meanwhile', async () => {
    const { redis, events, expected, lockouts, detector, producing } = await streamWithOwnRedis({});
    redis.freeze();
    const readiness = await pollReadiness(detector, 5000);
    redis.thaw();
    await producing;
    await settle(lockouts.received, expected.length, 45_000);

    expect(readiness).toContain(503);
    expect(await metricValue(detector.url, 'exfilguard_redis_errors_total')).toBeGreaterThan(0);
    expect(await metricValue(detector.url, 'exfilguard_events_total{outcome="valid"')).toBe(
      events.length,
    );
    expect(receivedLockouts(lockouts.received)).toEqual(expected);
  });

  it('a restart of Redis with AOF mid-stream loses no window and gives the same lockouts', async () => {
    const { redis, events, expected, lockouts, detector, producing } = await streamWithOwnRedis({
      appendOnly: true,
    });
    await redis.pause();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await redis.resume();
    await producing;
    await settle(lockouts.received, expected.length, 45_000);

    expect(await metricValue(detector.url, 'exfilguard_events_total{outcome="valid"')).toBe(
      events.length,
    );
    expect(receivedLockouts(lockouts.received)).toEqual(expected);
  });

  it('SIGTERM: finishes, commits and exits 0 within 10 s; a successor repeats nothing', async () => {
    const events = faultWorkload(Date.now(), 12, 2000);
    const expected = await expectedLockouts(events);
    const setup = await detectorSetup(brokers, redisUrl, { partitions: 2 });
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    cleanups.push(() => lockouts.stop());
    const port = await freePort();
    const env = { ...setup.env, EXFILGUARD_HTTP_PORT: String(port) };
    const first = spawnDetector({ ...setup, env });
    cleanups.push(async () => first.kill('SIGKILL'));
    await waitForReady(`http://127.0.0.1:${port}`);
    await produceOverTime(brokers, setup.topics.input, events, { chunk: 500, everyMs: 10 });
    await settle(lockouts.received, expected.length, 30_000);

    const began = Date.now();
    first.kill('SIGTERM');
    expect(await exited(first), childOutput(first)).toBe(0);
    expect(Date.now() - began).toBeLessThan(10_000);

    const successor = spawnDetector({ ...setup, env });
    cleanups.push(async () => successor.kill('SIGKILL'));
    await waitForReady(`http://127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const consumedAgain = await metricValue(
      `http://127.0.0.1:${port}`,
      'exfilguard_events_total{outcome="valid"',
    );
    successor.kill('SIGTERM');
    await exited(successor);
    expect(consumedAgain).toBe(0);
    expect(receivedLockouts(lockouts.received)).toEqual(expected);
  });
});

/**
 * A detector (in-process) on a redis-server of the test's own, with the workload being
 * produced over time; resolves once the first lockouts are out, mid-stream.
 */
async function streamWithOwnRedis(options: { appendOnly?: boolean }) {
  const redis = await LocalRedis.start(options);
  cleanups.push(() => redis.stop());
  const events = faultWorkload(Date.now());
  const expected = await expectedLockouts(events);
  const setup = await detectorSetup(brokers, redis.url, { partitions: 2 });
  const lockouts = await collectTopic(brokers, setup.topics.lockouts);
  cleanups.push(() => lockouts.stop());
  const detector = await startInProcess(setup);
  cleanups.push(() => detector.stop());
  const producing = produceOverTime(brokers, setup.topics.input, events, {
    chunk: 150,
    everyMs: 60,
  });
  await waitFor(() => lockouts.received.length >= 2, 30_000, 'the first lockouts');
  return { redis, events, expected, lockouts, detector, producing };
}

async function waitForReady(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const status = await fetch(`${url}/readyz`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} was not ready within 60 s`);
}

/** /readyz statuses seen over `ms`. */
async function pollReadiness(detector: RunningDetector, ms: number): Promise<number[]> {
  const statuses: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    statuses.push(
      await fetch(`${detector.url}/readyz`)
        .then((r) => r.status)
        .catch(() => 0),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return statuses;
}
