// Publishes operators' lockouts and releases to the lockouts topic (contract 2), under
// their keys, with the id header the detector's publisher sets: a plain idempotent
// producer, acknowledged by all in-sync replicas before the API answers.
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import {
  LOCKOUT_ID_HEADER,
  lockoutKey,
  type LockoutCommand,
  type ReleaseCommand,
} from '../decide/lockout.js';

export type PublishRecords = (
  records: readonly (LockoutCommand | ReleaseCommand)[],
) => Promise<void>;

export class LockoutWriter {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Java's murmur2 partitioner, named: kafkajs warns at every start otherwise.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  readonly publish: PublishRecords = async (records) => {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: records.map((record) => ({
        key: lockoutKey(record),
        value: JSON.stringify(record),
        headers: { [LOCKOUT_ID_HEADER]: record.id },
      })),
    });
  };

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
