// The global setup must fail at once, and say what to install, when it has no way
// to reach or start a broker. The environment is overridden: no KAFKA_BROKERS, a
// Docker endpoint where nothing listens, and a PATH with neither java nor mvn.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NoRouteToServiceError, startKafka, startRedis } from '../support/services.js';

async function environmentWithoutRoutes(): Promise<NodeJS.ProcessEnv> {
  const empty = await mkdtemp(join(tmpdir(), 'exfilguard-empty-path-'));
  return {
    PATH: empty,
    HOME: empty,
    DOCKER_HOST: `unix://${join(empty, 'no-docker.sock')}`,
  };
}

describe('test service resolution', () => {
  it('fails with a message naming every route and the fix when Kafka is unreachable', async () => {
    const env = await environmentWithoutRoutes();
    const began = Date.now();
    const failure = await startKafka(env).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(NoRouteToServiceError);
    const message = (failure as Error).message;
    expect(message).toContain('KAFKA_BROKERS is not set');
    expect(message).toContain('no Docker engine answered');
    expect(message).toContain('java and mvn');
    expect(message).toContain('install Java 17+ and Maven');
    expect(Date.now() - began).toBeLessThan(5000);
  });

  it('fails with a clear message when Redis is unreachable', async () => {
    const failure = await startRedis(await environmentWithoutRoutes()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(NoRouteToServiceError);
    expect((failure as Error).message).toContain('install redis-server');
  });

  it('uses KAFKA_BROKERS from the environment before anything else', async () => {
    const env = {
      ...(await environmentWithoutRoutes()),
      KAFKA_BROKERS: '10.0.0.1:9092, 10.0.0.2:9092',
    };
    const kafka = await startKafka(env);
    expect(kafka.source).toBe('environment');
    expect(kafka.endpoint).toEqual(['10.0.0.1:9092', '10.0.0.2:9092']);
  });
});
