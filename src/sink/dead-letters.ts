// Dead letters: an input record that is not a valid access event goes to the
// dead-letter topic with its original bytes as the value and what went wrong in
// headers (the Kafka Connect convention), so nothing consumed is silently dropped
// and a fixed record can be replayed as it was.
//
// A dead letter must always be publishable: the input topic may accept records that
// the dead-letter topic refuses (its limit is the same 1 MiB by default, and a dead
// letter adds ~300 bytes of headers; an input topic may allow more). A refused one
// would fail the batch's transaction on every retry and stop consumption, so a value
// (or key) too large for the topic is cut to fit and the headers say so.
import type { Message } from 'kafkajs';
import type { EventRejection } from '../event/index.js';
import { recordBudget, recordBytes } from './record-size.js';

export interface RejectedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly rejection: EventRejection;
}

/** Producers key by client address: a longer key is hostile or broken, and cut. */
const MAX_KEY_BYTES = 1024;
/** Header texts come from our own messages; bounded all the same. */
const MAX_HEADER_CHARS = 1024;
const MAX_FIELD_CHARS = 256;

/**
 * Every header a dead letter may carry and what it holds; `optional` ones are written
 * only when they apply. schemas/asyncapi.yaml describes the dead letters with this list.
 */
export const DEAD_LETTER_HEADERS = {
  'exfilguard.error.code': { description: 'The rejection code (stable; none is retriable)' },
  'exfilguard.error.message': {
    description: `What was wrong, naming the field (at most ${MAX_HEADER_CHARS} characters)`,
  },
  'exfilguard.error.field': {
    description: `The field at fault, in the input's own naming (at most ${MAX_FIELD_CHARS} characters)`,
    optional: true,
  },
  'exfilguard.source.topic': { description: 'The topic the record was read from' },
  'exfilguard.source.partition': { description: 'Its partition, in decimal' },
  'exfilguard.source.offset': { description: 'Its offset, in decimal' },
  'exfilguard.source.timestamp': {
    description: 'Its Kafka timestamp, epoch milliseconds in decimal',
  },
  'exfilguard.key.original.bytes': {
    description: `The key's size in bytes, when it was longer than ${MAX_KEY_BYTES} bytes and cut to them`,
    optional: true,
  },
  'exfilguard.value.truncated': {
    description:
      '"true" when the value was cut to a prefix that fits the dead-letter topic\'s max.message.bytes',
    optional: true,
  },
  'exfilguard.value.original.bytes': {
    description: "The value's size in bytes before it was cut",
    optional: true,
  },
} as const satisfies Record<string, { description: string; optional?: true }>;

type DeadLetterHeaders = { -readonly [name in keyof typeof DEAD_LETTER_HEADERS]?: string };

/** The dead letter of `record`, cut to fit a topic whose max.message.bytes is `maxMessageBytes`. */
export function deadLetterMessage(record: RejectedRecord, maxMessageBytes: number): Message {
  const { rejection } = record;
  const headers: DeadLetterHeaders = {
    'exfilguard.error.code': rejection.code,
    'exfilguard.error.message': rejection.message.slice(0, MAX_HEADER_CHARS),
    ...(rejection.field && { 'exfilguard.error.field': rejection.field.slice(0, MAX_FIELD_CHARS) }),
    'exfilguard.source.topic': record.topic,
    'exfilguard.source.partition': String(record.partition),
    'exfilguard.source.offset': record.offset,
    'exfilguard.source.timestamp': record.timestamp,
  };
  let key = record.key;
  if (key !== null && key.byteLength > MAX_KEY_BYTES) {
    headers['exfilguard.key.original.bytes'] = String(key.byteLength);
    key = key.subarray(0, MAX_KEY_BYTES);
  }
  const value = record.value;
  if (value === null) return { key, value, headers };
  // Header names of the cut added before measuring, so the room left counts them.
  const cutHeaders: DeadLetterHeaders = {
    ...headers,
    'exfilguard.value.truncated': 'true',
    'exfilguard.value.original.bytes': String(value.byteLength),
  };
  const room =
    recordBudget(maxMessageBytes) - recordBytes({ key, value: null, headers: cutHeaders });
  if (value.byteLength <= room) return { key, value, headers };
  return { key, value: value.subarray(0, Math.max(0, room)), headers: cutHeaders };
}
