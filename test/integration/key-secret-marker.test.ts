// A detector started with another EXFILGUARD_KEY_SECRET than the state in Redis was made
// under would orphan every window, offence and pending lockout without a word (issue 13,
// item 2): the key-secret marker makes that a refusal at start, per key prefix.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startDetector, type RunningDetector } from '../../src/service/detector-service.js';
import { ExfilguardError } from '../../src/vocabulary/errors.js';
import { checkKeySecretMarker, keySecretMarkerKey } from '../../src/window/key-secret-marker.js';
import { uniqueName } from '../support/kafka.js';
import { redisConnector } from '../support/redis-connections.js';
import {
  childOutput,
  detectorSetup,
  exitedWithin,
  spawnCli,
  startInProcess,
} from '../support/detector.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');
const connect = redisConnector();

const SECRET_A = 'secret-a-0123456789abcdef0123456789abcdef';
const SECRET_B = 'secret-b-0123456789abcdef0123456789abcdef';

async function refusal(check: Promise<unknown>): Promise<ExfilguardError> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExfilguardError);
  return error as ExfilguardError;
}

describe('the key-secret marker', () => {
  it('is written by the first start, matched by the same secret, refuses another', async () => {
    const redis = connect();
    const prefix = uniqueName('marker');
    const first = await checkKeySecretMarker(redis, { secret: SECRET_A, prefix });
    expect(first.outcome).toBe('created');
    expect(first.key).toBe(`${prefix}:key-secret`);
    const again = await checkKeySecretMarker(redis, { secret: SECRET_A, prefix });
    expect(again).toEqual({ outcome: 'matched', key: first.key, since: first.since });

    const error = await refusal(checkKeySecretMarker(redis, { secret: SECRET_B, prefix }));
    expect(error.code).toBe('KEY_SECRET_MISMATCH');
    expect(error.message).toContain(`marker ${prefix}:key-secret, written ${first.since}`);
    expect(error.message).toContain('--rotate-key-secret');
    expect(error.message).toContain('EXFILGUARD_REDIS_KEY_PREFIX');
    // Refusing changed nothing: the first secret still matches.
    expect((await checkKeySecretMarker(redis, { secret: SECRET_A, prefix })).outcome).toBe(
      'matched',
    );
  });

  it('holds a fingerprint, not the secret, and differs per secret', async () => {
    const redis = connect();
    const [a, b] = [uniqueName('marker-a'), uniqueName('marker-b')];
    await checkKeySecretMarker(redis, { secret: SECRET_A, prefix: a });
    await checkKeySecretMarker(redis, { secret: SECRET_B, prefix: b });
    const [valueA, valueB] = [
      await redis.get(keySecretMarkerKey(a)),
      await redis.get(keySecretMarkerKey(b)),
    ];
    expect(valueA).toMatch(/^v1:[0-9a-f]{32}:\d{4}-\d\d-\d\dT/);
    expect(valueA).not.toContain(SECRET_A);
    expect(valueA!.split(':')[1]).not.toBe(valueB!.split(':')[1]);
    // No expiry: it must outlive the longest-kept state.
    expect(await redis.ttl(keySecretMarkerKey(a))).toBe(-1);
  });

  it('is per prefix: another deployment on the same Redis keeps its own secret', async () => {
    const redis = connect();
    const [ours, theirs] = [uniqueName('ours'), uniqueName('theirs')];
    await checkKeySecretMarker(redis, { secret: SECRET_A, prefix: ours });
    const other = await checkKeySecretMarker(redis, { secret: SECRET_B, prefix: theirs });
    expect(other.outcome).toBe('created');
  });

  it('is replaced by a rotation on purpose, after which the old secret is refused', async () => {
    const redis = connect();
    const prefix = uniqueName('rotate');
    await checkKeySecretMarker(redis, { secret: SECRET_A, prefix });
    const rotated = await checkKeySecretMarker(redis, { secret: SECRET_B, prefix, rotate: true });
    expect(rotated.outcome).toBe('rotated');
    // A rotation flag left on by the new secret rotates nothing.
    expect(
      (await checkKeySecretMarker(redis, { secret: SECRET_B, prefix, rotate: true })).outcome,
    ).toBe('matched');
    const error = await refusal(checkKeySecretMarker(redis, { secret: SECRET_A, prefix }));
    expect(error.code).toBe('KEY_SECRET_MISMATCH');
  });

  it('an unreadable marker (not ours) is refused, not overwritten', async () => {
    const redis = connect();
    const prefix = uniqueName('foreign');
    await redis.set(keySecretMarkerKey(prefix), 'something else');
    const error = await refusal(checkKeySecretMarker(redis, { secret: SECRET_A, prefix }));
    expect(error.code).toBe('KEY_SECRET_MISMATCH');
    expect(await redis.get(keySecretMarkerKey(prefix))).toBe('something else');
  });
});

describe('exfilguard run and the key-secret marker', { timeout: 120_000 }, () => {
  const running: RunningDetector[] = [];
  afterAll(async () => {
    for (const detector of running) await detector.stop().catch(() => undefined);
  });

  it('refuses to start on state of another secret, and starts with --rotate-key-secret', async () => {
    const setup = await detectorSetup(brokers, redisUrl);
    const first = await startInProcess(setup);
    await first.stop();

    const other = { ...setup.env, EXFILGUARD_KEY_SECRET: SECRET_B };
    const refused = spawnCli(['run'], other);
    expect(await exitedWithin(refused, 60_000)).toBe(1);
    const said = childOutput(refused);
    expect(said).toContain('[KEY_SECRET_MISMATCH]');
    expect(said).toContain(`${setup.env.EXFILGUARD_REDIS_KEY_PREFIX}:key-secret`);
    expect(said).not.toContain(SECRET_B);
    expect(said).not.toContain(setup.env.EXFILGUARD_KEY_SECRET);

    const logged: string[] = [];
    const rotated = await startDetector(
      loadConfig(other),
      createLogger('info', { write: (line: string) => void logged.push(line) }),
      { rotateKeySecret: true },
    );
    running.push(rotated);
    expect(logged.join('')).toContain('key secret rotated');
    await rotated.stop();
    // The first secret is now the other one.
    const back = spawnCli(['run'], setup.env);
    expect(await exitedWithin(back, 60_000)).toBe(1);
    expect(childOutput(back)).toContain('[KEY_SECRET_MISMATCH]');
  });
});
