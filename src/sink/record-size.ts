// How big a Kafka record batch will be, from its messages, so a transaction never sends
// one over a topic's `max.message.bytes`: the broker refuses such a batch with the
// non-retriable MESSAGE_TOO_LARGE, and a refused batch would stop consumption.
// Sizes follow the record batch v2 format (KIP-98), counted from above: varints at
// their widest. kafkajs itself sets no request size limit (unlike the Java producer's
// max.request.size), so the topics' limits are the only ones.
import { Buffer } from 'node:buffer';
import type { Message } from 'kafkajs';

/** The batch header (61 bytes) and the log's offset and size prefix (12). */
export const BATCH_OVERHEAD_BYTES = 61 + 12;
/** Slack for what the estimate cannot see (a timestamp's varint, rounding). */
const MARGIN_BYTES = 512;
/** Length, attributes, timestamp and offset deltas, key and value lengths, header count. */
const RECORD_FRAMING_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 5;
/** A header's key and value lengths. */
const HEADER_FRAMING_BYTES = 10;

function bytesOf(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength;
}

/** Upper bound of one message's size inside a record batch. */
export function recordBytes(message: Message): number {
  let size = RECORD_FRAMING_BYTES + bytesOf(message.key) + bytesOf(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) {
      size += HEADER_FRAMING_BYTES + bytesOf(name) + bytesOf(one);
    }
  }
  return size;
}

/** The bytes that a batch limit leaves for its records. */
export function recordBudget(maxMessageBytes: number): number {
  return maxMessageBytes - BATCH_OVERHEAD_BYTES - MARGIN_BYTES;
}

/**
 * Splits messages, in order, into groups whose records fit `budget` bytes together:
 * each group is sent as its own produce request, so no partition's batch exceeds it.
 * A message bigger than the budget alone gets a group of its own.
 */
export function chunkBySize<T>(items: readonly T[], sizeOf: (item: T) => number, budget: number) {
  const chunks: T[][] = [];
  let current: T[] = [];
  let used = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && used + size > budget) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
