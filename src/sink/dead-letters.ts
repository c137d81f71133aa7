// Dead letters: an input record that is not a valid access event goes to the
// dead-letter topic with its original bytes as the value and what went wrong in
// headers (the Kafka Connect convention), so nothing consumed is silently dropped
// and a fixed record can be replayed as it was.
import type { Message } from 'kafkajs';
import type { EventRejection } from '../event/rejection.js';

export interface RejectedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly rejection: EventRejection;
}

export function deadLetterMessage(record: RejectedRecord): Message {
  return {
    key: record.key,
    value: record.value,
    headers: {
      'exfilguard.error.code': record.rejection.code,
      'exfilguard.error.message': record.rejection.message,
      ...(record.rejection.field && { 'exfilguard.error.field': record.rejection.field }),
      'exfilguard.source.topic': record.topic,
      'exfilguard.source.partition': String(record.partition),
      'exfilguard.source.offset': record.offset,
      'exfilguard.source.timestamp': record.timestamp,
    },
  };
}
