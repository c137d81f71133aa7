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

/** The dead letter of `record`, cut to fit a topic whose max.message.bytes is `maxMessageBytes`. */
export function deadLetterMessage(record: RejectedRecord, maxMessageBytes: number): Message {
  const { rejection } = record;
  const headers: Record<string, string> = {
    'exfilguard.error.code': rejection.code,
    'exfilguard.error.message': rejection.message.slice(0, MAX_HEADER_CHARS),
    ...(rejection.field && { 'exfilguard.error.field': rejection.field.slice(0, 256) }),
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
  const cutHeaders = {
    ...headers,
    'exfilguard.value.truncated': 'true',
    'exfilguard.value.original.bytes': String(value.byteLength),
  };
  const room =
    recordBudget(maxMessageBytes) - recordBytes({ key, value: null, headers: cutHeaders });
  if (value.byteLength <= room) return { key, value, headers };
  return { key, value: value.subarray(0, Math.max(0, room)), headers: cutHeaders };
}
