// exfilguard run creates the topics it needs when they are missing: the lockouts topic
// compacted, so a gateway starting up reads each actor's latest command, and deleted
// after 400 days (longer than any lockout); the audit topic kept as long, not compacted.
import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createKafka, ensureTopics } from '../../src/clients/kafka.js';
import { createLogger } from '../../src/log.js';
import { uniqueName, withAdmin } from '../support/kafka.js';

const brokers = inject('kafkaBrokers');

describe('topics', () => {
  it('creates the missing topics, the lockouts topic compacted, and leaves existing ones', async () => {
    const retention = String(400 * 86_400_000);
    const name = uniqueName('topics');
    const config = loadConfig({
      EXFILGUARD_KAFKA_BROKERS: brokers.join(','),
      EXFILGUARD_REDIS_URL: 'redis://127.0.0.1:1',
      EXFILGUARD_KEY_SECRET: 'k'.repeat(40),
      EXFILGUARD_INPUT_TOPIC: `${name}.logs`,
      EXFILGUARD_LOCKOUT_TOPIC: `${name}.lockouts`,
      EXFILGUARD_DEAD_LETTER_TOPIC: `${name}.dlq`,
      EXFILGUARD_AUDIT_TOPIC: `${name}.audit`,
      // The audit topic is made where the admin API runs.
      EXFILGUARD_ADMIN_PORT: '0',
      EXFILGUARD_ADMIN_TOKENS: `ops:viewer:${'0'.repeat(64)}`,
      EXFILGUARD_TOPIC_PARTITIONS: '3',
    });
    const kafka = createKafka(config, createLogger('silent'));
    expect((await ensureTopics(kafka, config)).sort()).toEqual([
      `${name}.audit`,
      `${name}.dlq`,
      `${name}.lockouts`,
      `${name}.logs`,
    ]);
    expect(await ensureTopics(kafka, config)).toEqual([]);

    await withAdmin(brokers, async (admin) => {
      const settings = async (topic: string) => {
        const [resource] = (
          await admin.describeConfigs({
            includeSynonyms: false,
            resources: [
              {
                type: ConfigResourceTypes.TOPIC,
                name: topic,
                configNames: ['cleanup.policy', 'retention.ms'],
              },
            ],
          })
        ).resources;
        return Object.fromEntries(
          (resource?.configEntries ?? []).map((e) => [e.configName, e.configValue]),
        );
      };
      expect(await settings(`${name}.lockouts`)).toEqual({
        'cleanup.policy': 'compact,delete',
        'retention.ms': retention,
      });
      expect(await settings(`${name}.audit`)).toEqual({
        'cleanup.policy': 'delete',
        'retention.ms': retention,
      });
      const metadata = await admin.fetchTopicMetadata({ topics: [`${name}.logs`] });
      expect(metadata.topics[0]?.partitions).toHaveLength(3);
    });
  });
});
