// Where integration tests get a Kafka broker and a Redis, resolved once per run, for
// each service on its own, in this order:
//   1. KAFKA_BROKERS / REDIS_URL from the environment (a broker or Redis you run);
//   2. testcontainers, where a Docker engine answers;
//   3. the local broker from Maven Central's jars / a local redis-server binary;
//   4. otherwise fail at once, saying what to install.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { LocalKafka, missingForLocalKafka } from '../../scripts/kafka/local-kafka.js';
import { LocalRedis } from '../../scripts/redis/local-redis.js';
import { findOnPath } from '../../scripts/lib/service-process.js';

export type ServiceSource = 'environment' | 'testcontainers' | 'local';

export interface RunningService<T> {
  readonly endpoint: T;
  readonly source: ServiceSource;
  /** How long it took to get the service serving, in ms (0 when it was already running). */
  readonly startMs: number;
  stop(): Promise<void>;
}

export class NoRouteToServiceError extends Error {
  readonly code = 'TEST_NO_SERVICE_ROUTE';
}

/** Images used where Docker exists: Confluent's, which @testcontainers/kafka expects. */
const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.0';
const REDIS_IMAGE = 'redis:7.2-alpine';

export async function startKafka(
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService<string[]>> {
  if (env.KAFKA_BROKERS) return external(env.KAFKA_BROKERS.split(',').map((b) => b.trim()));
  if (await dockerEngineAnswers(env)) {
    return timed('testcontainers', async () => {
      const { KafkaContainer } = await import('@testcontainers/kafka');
      const container = await new KafkaContainer(KAFKA_IMAGE).withKraft().start();
      const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
      return { endpoint: brokers, stop: () => container.stop().then(() => undefined) };
    });
  }
  const missing = await missingForLocalKafka(env);
  if (missing.length === 0) {
    return timed('local', async () => {
      const kafka = await LocalKafka.start();
      return { endpoint: kafka.brokers, stop: () => kafka.stop() };
    });
  }
  throw new NoRouteToServiceError(
    [
      'Integration tests need a Kafka broker and found no way to get one:',
      '  - KAFKA_BROKERS is not set;',
      `  - no Docker engine answered at ${dockerEndpoint(env)};`,
      `  - the local broker needs ${missing.join(' and ')}, not found on PATH.`,
      'Fix one of these: set KAFKA_BROKERS=host:port to use a broker you run;',
      'or start Docker (testcontainers runs Kafka and Redis);',
      'or install Java 17+ and Maven (Debian: apt-get install openjdk-17-jre-headless maven),',
      'which fetch the broker from Maven Central (scripts/kafka/pom.xml).',
    ].join('\n'),
  );
}

export async function startRedis(
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService<string>> {
  if (env.REDIS_URL) return external(env.REDIS_URL);
  if (await dockerEngineAnswers(env)) {
    return timed('testcontainers', async () => {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer(REDIS_IMAGE).start();
      return {
        endpoint: container.getConnectionUrl(),
        stop: () => container.stop().then(() => undefined),
      };
    });
  }
  if (findOnPath('redis-server', env)) {
    return timed('local', async () => {
      const redis = await LocalRedis.start();
      return { endpoint: redis.url, stop: () => redis.stop() };
    });
  }
  throw new NoRouteToServiceError(
    [
      'Integration tests need a Redis and found no way to get one:',
      '  - REDIS_URL is not set;',
      `  - no Docker engine answered at ${dockerEndpoint(env)};`,
      '  - redis-server is not on PATH.',
      'Fix one of these: set REDIS_URL=redis://host:port (not a Redis you care about: tests',
      'flush and restart it); or start Docker; or install redis-server (apt-get install redis-server).',
    ].join('\n'),
  );
}

function external<T>(endpoint: T): RunningService<T> {
  return { endpoint, source: 'environment', startMs: 0, stop: async () => {} };
}

async function timed<T>(
  source: ServiceSource,
  start: () => Promise<{ endpoint: T; stop: () => Promise<void> }>,
): Promise<RunningService<T>> {
  const began = Date.now();
  const { endpoint, stop } = await start();
  return { endpoint, source, startMs: Date.now() - began, stop };
}

function dockerEndpoint(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** Asks the Docker engine's `/_ping`; false on any error within two seconds. */
function dockerEngineAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  const endpoint = dockerEndpoint(env);
  const target = endpoint.startsWith('unix://')
    ? { socketPath: endpoint.slice('unix://'.length) }
    : (() => {
        const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
        return { host: url.hostname, port: Number(url.port || 2375) };
      })();
  if ('socketPath' in target && !existsSync(target.socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}
