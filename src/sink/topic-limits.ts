// The largest record batch each output topic accepts, learned from the broker at
// start-up (and again if a publication is refused as too large): a topic's
// `max.message.bytes`, or the broker's `message.max.bytes` it inherits. Dead letters
// are cut to fit it (dead-letters.ts), and transactions split by it (publisher.ts).
import kafkajs, { type Kafka } from 'kafkajs';

// kafkajs is CommonJS and Node's ESM loader cannot see this one as a named export
// (a named import crashed every command at start-up): take it from the default export.
const { ConfigResourceTypes } = kafkajs;

/** Kafka's default `message.max.bytes`: 1 MiB plus the 12-byte log overhead. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

export interface TopicLimits {
  /** Topic → max.message.bytes. */
  readonly limits: ReadonlyMap<string, number>;
  /** Set when the broker would not say (no DescribeConfigs permission, …): defaults used. */
  readonly problem?: string;
}

export async function learnTopicLimits(
  kafka: Kafka,
  topics: readonly string[],
): Promise<TopicLimits> {
  const limits = new Map<string, number>(topics.map((t) => [t, KAFKA_DEFAULT_MAX_MESSAGE_BYTES]));
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes'],
      })),
    });
    for (const resource of resources) {
      const entry = resource.configEntries.find((e) => e.configName === 'max.message.bytes');
      const value = Number(entry?.configValue);
      if (resource.errorCode === 0 && Number.isSafeInteger(value) && value >= 0) {
        limits.set(resource.resourceName, value);
      }
    }
    return { limits };
  } catch (error) {
    const problem = `could not read max.message.bytes of ${topics.join(', ')} (${String(error)}); assuming Kafka's default ${KAFKA_DEFAULT_MAX_MESSAGE_BYTES}`;
    return { limits, problem };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
