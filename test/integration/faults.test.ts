// Faults that must lose nothing and announce nothing twice: the detector killed
// (-9) mid-stream, two instances sharing the partitions, Redis frozen, Redis
// restarted with AOF, and a clean SIGTERM. Each run must end with exactly the
// lockouts replay's engine gives for the same events. And one that must not delay
// them: a predecessor's transaction left open, aborted by a restart with its id.
import { afterEach, describe, expect, inject, it } from 'vitest';
import { LocalRedis } from '../../scripts/redis/local-redis.js';
import { freePort } from '../../scripts/lib/service-process.js';
import {
  childOutput,
  collectTopic,
  detectorSetup,
  exited,
  produceEvents,
  produceOverTime,
  scanEvents,
  spawnDetector,
  startInProcess,
  waitFor,
} from '../support/detector.js';
import { produceMarkers, testKafka, uniqueName } from '../support/kafka.js';
import {
  caughtUp,
  metricValue,
  pollReadiness,
  readiness,
  VALID_EVENTS,
  waitForReadiness,
  waitUntil,
} from '../support/metrics.js';
import {
  expectedLockouts,
  expectReferenceLockouts,
  faultWorkload,
  routeFedRules,
  settleOnReference,
  scannersLockedOut,
} from '../support/workload.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');
// Rules fed by a whole route: held to a weaker check than exact equality (workload.ts).
const routeFed = await routeFedRules();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((cleanup) => cleanup()));
});

const REDIS_ERRORS = 'exfilguard_redis_errors_total';

// Generous: these run beside the other integration files on two cores.
describe('faults', { timeout: 150_000 }, () => {
  it('kill -9 mid-stream and a restart leave exactly the lockouts of an uninterrupted run', async () => {
    const events = faultWorkload(Date.now());
    const expected = await expectedLockouts(events);
    expect(scannersLockedOut(expected, 24)).toBe(24);
    const setup = await detectorSetup(brokers, redisUrl, { partitions: 3 });
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    cleanups.push(() => lockouts.stop());
    const url = `http://127.0.0.1:${await freePort()}`;
    const env = { ...setup.env, EXFILGUARD_HTTP_PORT: new URL(url).port };

    const first = spawnDetector({ ...setup, env });
    cleanups.push(async () => first.kill('SIGKILL'));
    await waitForReadiness(url, 200);
    const progress = { started: 0 };
    const producing = produceOverTime(brokers, setup.topics.input, events, {
      chunk: 150,
      everyMs: 60,
      progress,
    });
    await waitFor(() => lockouts.received.length >= 3, 30_000, 'the first lockouts');
    const atKill = { lockouts: lockouts.received.length, started: progress.started };
    first.kill('SIGKILL');
    await exited(first);

    const second = spawnDetector({ ...setup, env });
    cleanups.push(async () => second.kill('SIGKILL'));
    await waitForReadiness(url, 200);
    await producing;
    await settleOnReference(lockouts.received, expected, routeFed, 45_000);
    // The successor consumed at least every event produced after the kill (and the
    // uncommitted ones again): the kill did not land after the stream.
    const unproduced = events.length - atKill.started;
    await waitUntil(
      async () => (await metricValue(url, VALID_EVENTS)) >= Math.max(1, unproduced),
      30_000,
      `the successor to consume the ${unproduced} events produced after the kill`,
    );
    second.kill('SIGTERM');
    expect(await exited(second), childOutput(second)).toBe(0);
    expect(atKill.lockouts, 'lockouts out when the kill landed').toBeLessThan(expected.length);
    expectReferenceLockouts(lockouts.received, expected, routeFed, 24);
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
    expect(scannersLockedOut(expected, 24)).toBe(24);
    const setup = await detectorSetup(brokers, redisUrl, { partitions: 4 });
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    cleanups.push(() => lockouts.stop());
    const ports = [await freePort(), await freePort()];
    const members = ports.map((port) =>
      spawnDetector({ ...setup, env: { ...setup.env, EXFILGUARD_HTTP_PORT: String(port) } }),
    );
    for (const member of members) cleanups.push(async () => member.kill('SIGKILL'));
    await Promise.all(ports.map((port) => waitForReadiness(`http://127.0.0.1:${port}`, 200)));
    await produceOverTime(brokers, setup.topics.input, events, { chunk: 400, everyMs: 20 });
    await settleOnReference(lockouts.received, expected, routeFed, 45_000);
    const consumed = await Promise.all(
      ports.map((port) => metricValue(`http://127.0.0.1:${port}`, VALID_EVENTS)),
    );
    for (const member of members) member.kill('SIGTERM');
    await Promise.all(members.map(exited));

    expectReferenceLockouts(lockouts.received, expected, routeFed, 24);
    // Both members consumed, and between them every event exactly once.
    expect(
      consumed.every((count) => count > 0),
      `events per member: ${consumed.join(', ')}`,
    ).toBe(true);
    expect(consumed[0]! + consumed[1]!).toBe(events.length);
  });

  it('Redis frozen for 5 s mid-stream: nothing lost, same lockouts, not ready meanwhile', async () => {
    const { redis, events, expected, lockouts, detector, producing } = await streamWithOwnRedis({});
    const atFreeze = lockouts.received.length;
    redis.freeze();
    const statuses = await pollReadiness(detector.url, 5000);
    redis.thaw();
    await waitForReadiness(detector.url, 200, 30_000);
    await producing;
    await settleOnReference(lockouts.received, expected, routeFed, 45_000);

    expect(atFreeze, 'lockouts out when Redis froze').toBeLessThan(expected.length);
    expect(statuses).toContain(503);
    expect(await metricValue(detector.url, REDIS_ERRORS)).toBeGreaterThan(0);
    expect(await metricValue(detector.url, VALID_EVENTS)).toBe(events.length);
    expectReferenceLockouts(lockouts.received, expected, routeFed, 24);
  });

  it('a restart of Redis with AOF mid-stream loses no window and gives the same lockouts', async () => {
    const { redis, events, expected, lockouts, detector, producing } = await streamWithOwnRedis({
      appendOnly: true,
    });
    const atStop = lockouts.received.length;
    expect(await metricValue(detector.url, REDIS_ERRORS)).toBe(0);
    await redis.pause();
    // Down until the detector has seen it: not ready, and a batch's store call failed.
    await waitUntil(
      async () =>
        (await readiness(detector.url)) === 503 &&
        (await metricValue(detector.url, REDIS_ERRORS)) > 0,
      20_000,
      'the detector to see Redis gone (/readyz 503, a store error counted)',
    );
    await redis.resume();
    await waitForReadiness(detector.url, 200, 30_000);
    await producing;
    await settleOnReference(lockouts.received, expected, routeFed, 45_000);

    expect(atStop, 'lockouts out when Redis stopped').toBeLessThan(expected.length);
    expect(await metricValue(detector.url, VALID_EVENTS)).toBe(events.length);
    expectReferenceLockouts(lockouts.received, expected, routeFed, 24);
  });

  it('SIGTERM: finishes, commits and exits 0 within 10 s; a successor repeats nothing', async () => {
    const events = faultWorkload(Date.now(), 12, 2000);
    const expected = await expectedLockouts(events);
    expect(scannersLockedOut(expected, 12)).toBe(12);
    const setup = await detectorSetup(brokers, redisUrl, { partitions: 2 });
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    cleanups.push(() => lockouts.stop());
    const url = `http://127.0.0.1:${await freePort()}`;
    const env = { ...setup.env, EXFILGUARD_HTTP_PORT: new URL(url).port };
    const first = spawnDetector({ ...setup, env });
    cleanups.push(async () => first.kill('SIGKILL'));
    await waitForReadiness(url, 200);
    await produceOverTime(brokers, setup.topics.input, events, { chunk: 500, everyMs: 10 });
    await settleOnReference(lockouts.received, expected, routeFed, 30_000);
    await waitUntil(
      async () => (await metricValue(url, VALID_EVENTS)) === events.length,
      30_000,
      'every event consumed',
    );

    const began = Date.now();
    first.kill('SIGTERM');
    expect(await exited(first), childOutput(first)).toBe(0);
    expect(Date.now() - began).toBeLessThan(10_000);

    // The successor reads on to one marker at the end of each partition: once both
    // partitions are caught up, anything it consumed besides the markers is a repeat.
    const successor = spawnDetector({ ...setup, env });
    cleanups.push(async () => successor.kill('SIGKILL'));
    await waitForReadiness(url, 200);
    await produceMarkers(brokers, setup.topics.input, 2);
    await waitUntil(() => caughtUp(url, setup.topics.input, 2), 30_000, 'the markers consumed');
    const consumedAgain = (await metricValue(url, VALID_EVENTS)) - 2;
    successor.kill('SIGTERM');
    await exited(successor);
    expect(consumedAgain).toBe(0);
    expectReferenceLockouts(lockouts.received, expected, routeFed, 12);
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
  expect(scannersLockedOut(expected, 24)).toBe(24);
  const setup = await detectorSetup(brokers, redis.url, { partitions: 2 });
  const lockouts = await collectTopic(brokers, setup.topics.lockouts);
  cleanups.push(() => lockouts.stop());
  const detector = await startInProcess(setup);
  cleanups.push(() => detector.stop());
  await waitForReadiness(detector.url, 200);
  const producing = produceOverTime(brokers, setup.topics.input, events, {
    chunk: 150,
    everyMs: 60,
  });
  await waitFor(() => lockouts.received.length >= 2, 30_000, 'the first lockouts');
  return { redis, events, expected, lockouts, detector, producing };
}
