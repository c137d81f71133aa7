// Vitest global setup of the integration project: one Kafka broker and one Redis for
// the whole run (see services.ts for where they come from), torn down at the end,
// also when tests fail. Tests read the endpoints with `inject('kafkaBrokers')`.
import type { TestProject } from 'vitest/node';
import { startKafka, startRedis, type RunningService } from './services.js';
import { warmUpConsumerGroups } from './kafka.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: RunningService<unknown>[] = [];
  const teardown = async () => {
    await Promise.allSettled(started.map((service) => service.stop()));
  };
  try {
    const [kafka, redis] = await Promise.all([
      startKafka().then((s) => (started.push(s), s)),
      startRedis().then((s) => (started.push(s), s)),
    ]);
    const warmUp = await warmUpConsumerGroups(kafka.endpoint);
    process.stderr.write(
      `[global-setup] Kafka ${kafka.endpoint.join(',')} (${kafka.source}, ready in ${kafka.startMs} ms, ` +
        `first consumer group in ${warmUp} ms); Redis ${redis.endpoint} (${redis.source}, ${redis.startMs} ms)\n`,
    );
    project.provide('kafkaBrokers', kafka.endpoint);
    project.provide('redisUrl', redis.endpoint);
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
