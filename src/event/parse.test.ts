import { describe, expect, it } from 'vitest';
import { MAX_RAW_BYTES } from './fields.js';
import { parseEvent } from './index.js';

const T = Date.UTC(2015, 4, 17, 10, 5, 3);
const EVENT = { ts: T, ip: '83.149.9.216', method: 'GET', path: '/a', status: 200, bytes: 5 };
const CANONICAL = JSON.stringify(EVENT);
const ECS = JSON.stringify({
  '@timestamp': '2015-05-17T10:05:03Z',
  source: { ip: '83.149.9.216' },
  http: { request: { method: 'GET' }, response: { status_code: 200, body: { bytes: 5 } } },
  url: { path: '/a' },
});
const COMBINED = '83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 5';

const BATCH =
  'a JSON array: batches are not accepted; send one event (a JSON object) per Kafka message or per line';

function errorOf(raw: string | Uint8Array, format: 'auto' | 'json' | 'combined' = 'auto') {
  const outcome = parseEvent(raw, format);
  return outcome.ok ? undefined : outcome.error;
}

describe('parseEvent: one AccessEvent from any accepted format', () => {
  it.each([
    ['canonical JSON', CANONICAL],
    ['ECS JSON', ECS],
    ['a combined line', COMBINED],
    ['a Buffer', Buffer.from(COMBINED)],
    ['a Uint8Array', new TextEncoder().encode(CANONICAL)],
    ['leading blanks, a byte-order mark and a trailing newline', `\uFEFF  ${CANONICAL}\n`],
  ])('auto-detects %s', (_name, raw) => {
    expect(parseEvent(raw, 'auto')).toStrictEqual({ ok: true, event: EVENT });
  });

  it('parses with the format forced', () => {
    expect(parseEvent(CANONICAL, 'json')).toStrictEqual({ ok: true, event: EVENT });
    expect(parseEvent(` ${COMBINED}`, 'combined')).toStrictEqual({ ok: true, event: EVENT });
  });
});

describe('parseEvent: rejections are values with stable codes', () => {
  it.each([
    ['', 'auto', 'EVENT_EMPTY', 'empty record'],
    [' \r\n', 'auto', 'EVENT_EMPTY', 'empty record'],
    // The reason after the colon is V8's own wording, which changes between Node versions.
    ['{"ts":', 'auto', 'EVENT_NOT_JSON', /^not valid JSON: \w/],
    [COMBINED, 'json', 'EVENT_NOT_JSON', /^not valid JSON: \w/],
    ['[1,2]', 'json', 'EVENT_NOT_JSON', BATCH],
    ['[{"ts":1},{"ts":2}]', 'auto', 'EVENT_NOT_JSON', BATCH],
    [' [ ] ', 'auto', 'EVENT_NOT_JSON', BATCH],
    ['[error] upstream timed out', 'auto', 'EVENT_INVALID_LINE', /^not a combined log line/],
    ['null', 'json', 'EVENT_NOT_JSON', 'expected a JSON object, got null'],
    [CANONICAL, 'combined', 'EVENT_INVALID_LINE', /^not a combined log line: no "\[time\]"/],
    [
      '{"message":"GET /a","level":"info"}',
      'auto',
      'EVENT_UNKNOWN_FORMAT',
      'a JSON object with neither canonical fields (ts, ip, method, path, status) nor ECS fields (@timestamp, source.ip, http.*, url.*)',
    ],
  ] as const)('%j as %s → %s', (raw, format, code, message) => {
    const error = errorOf(raw, format);
    expect(error?.code).toBe(code);
    expect(error?.field).toBeUndefined();
    if (typeof message === 'string') expect(error?.message).toBe(message);
    else expect(error?.message).toMatch(message);
  });

  it('refuses JSON nested deeper than 32 levels before JSON.parse sees it', () => {
    const deep = `{"a":${'['.repeat(5000)}`;
    expect(errorOf(deep)).toStrictEqual({
      code: 'EVENT_NOT_JSON',
      message: 'JSON nested deeper than 32 levels',
    });
  });

  it('names the field for a field error', () => {
    const raw = JSON.stringify({ ...EVENT, status: 'OK' });
    expect(errorOf(raw)).toStrictEqual({
      code: 'EVENT_INVALID_FIELD',
      field: 'status',
      message: 'status: expected integer, got "OK"',
    });
  });

  it('refuses a record over the size limit before parsing it', () => {
    const padded = JSON.stringify({ ...EVENT, pad: 'x'.repeat(MAX_RAW_BYTES) });
    expect(errorOf(padded)).toStrictEqual({
      code: 'EVENT_TOO_LARGE',
      message: `record of ${padded.length} characters, over the limit of 1048576 bytes`,
    });
    expect(errorOf(Buffer.from(padded))?.message).toBe(
      `record of ${padded.length} bytes, over the limit of 1048576 bytes`,
    );
  });

  it('counts UTF-8 bytes, not characters, for a string near the limit', () => {
    const wide = JSON.stringify({ ...EVENT, pad: 'é'.repeat(MAX_RAW_BYTES / 2) });
    expect(wide.length).toBeLessThan(MAX_RAW_BYTES);
    expect(errorOf(wide)?.code).toBe('EVENT_TOO_LARGE');
    const fits = JSON.stringify({ ...EVENT, pad: 'é'.repeat(MAX_RAW_BYTES / 2 - 100) });
    expect(parseEvent(fits, 'auto').ok).toBe(true);
  });

  it('decodes invalid UTF-8 with replacement characters instead of failing', () => {
    const bytes = Buffer.concat([
      Buffer.from('83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 5 "-" "'),
      Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]),
      Buffer.from('"'),
    ]);
    const outcome = parseEvent(bytes, 'auto');
    expect(outcome.ok && outcome.event.userAgent).toBe('\uFFFD\uFFFD(\uFFFD\uFFFD\uFFFD');
  });
});
