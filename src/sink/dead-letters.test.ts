import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadLetterMessage, type RejectedRecord } from './dead-letters.js';
import { BATCH_OVERHEAD_BYTES, chunkBySize, recordBytes } from './record-size.js';

const DEFAULT_LIMIT = 1_048_588;

function rejected(value: Buffer | null, key: Buffer | null = Buffer.from('203.0.113.9')) {
  return {
    topic: 'access-logs',
    partition: 7,
    offset: '123456',
    key,
    value,
    timestamp: '1764547200000',
    rejection: { code: 'EVENT_TOO_LARGE', message: 'record of 2097152 bytes, over the limit' },
  } satisfies RejectedRecord;
}

describe('dead letters', () => {
  it('keeps a record that fits as it is, with no truncation header', () => {
    const value = Buffer.from('not a log line');
    const message = deadLetterMessage(rejected(value), DEFAULT_LIMIT);
    expect(message.value).toBe(value);
    expect(message.headers).not.toHaveProperty('exfilguard.value.truncated');
    expect(message.headers).toMatchObject({
      'exfilguard.error.code': 'EVENT_TOO_LARGE',
      'exfilguard.source.offset': '123456',
    });
  });

  it('cuts a value too large for the topic to a prefix that fits, and says so', () => {
    // 1,048,400 bytes: accepted by an input topic with Kafka's defaults, but not once
    // the dead letter's headers are added.
    for (const size of [1_048_400, 2 * 1024 * 1024]) {
      const value = Buffer.alloc(size, 'a');
      const message = deadLetterMessage(rejected(value), DEFAULT_LIMIT);
      const kept = message.value as Buffer;
      expect(kept.byteLength).toBeLessThan(size);
      expect(kept.equals(value.subarray(0, kept.byteLength))).toBe(true);
      expect(message.headers).toMatchObject({
        'exfilguard.value.truncated': 'true',
        'exfilguard.value.original.bytes': String(size),
      });
      expect(recordBytes(message) + BATCH_OVERHEAD_BYTES).toBeLessThanOrEqual(DEFAULT_LIMIT);
    }
  });

  it('cuts a hostile key to 1 KiB', () => {
    const message = deadLetterMessage(rejected(Buffer.from('x'), Buffer.alloc(500_000, 'k')), 1e6);
    expect((message.key as Buffer).byteLength).toBe(1024);
    expect(message.headers).toMatchObject({ 'exfilguard.key.original.bytes': '500000' });
  });

  it('always fits the topic whatever the sizes of key and value (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3_000_000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 4096, max: 4_000_000 }),
        (valueBytes, keyBytes, limit) => {
          const record = rejected(Buffer.alloc(valueBytes, 'v'), Buffer.alloc(keyBytes, 'k'));
          const message = deadLetterMessage(record, limit);
          expect(recordBytes(message) + BATCH_OVERHEAD_BYTES).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('chunkBySize', () => {
  it('groups in order under the budget; an item over it alone', () => {
    const sizes = [400, 400, 300, 1500, 100, 100];
    expect(chunkBySize(sizes, (s) => s, 1000)).toEqual([[400, 400], [300], [1500], [100, 100]]);
    expect(chunkBySize([], (s: number) => s, 1000)).toEqual([]);
  });
});
