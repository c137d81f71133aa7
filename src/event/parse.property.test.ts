// Hostile input, generated: parseEvent must never throw, must always answer with a
// well-formed outcome, and every event it accepts must satisfy the contract.
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_MS } from './calendar.js';
import {
  EVENT_REJECTION_CODES,
  MAX_RAW_BYTES,
  parseEvent,
  type EventFormat,
  type ParseOutcome,
} from './index.js';

const EVENT_KEYS = new Set([
  'ts',
  'ip',
  'method',
  'path',
  'status',
  'bytes',
  'session',
  'user',
  'userAgent',
  'records',
  'id',
]);
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}$/;
const formats = fc.constantFrom<EventFormat>('auto', 'json', 'combined');

function expectWellFormed(outcome: ParseOutcome): void {
  if (!outcome.ok) {
    expect(Object.keys(EVENT_REJECTION_CODES)).toContain(outcome.error.code);
    expect(outcome.error.code).not.toBe('EVENT_PARSER_FAILED');
    expect(outcome.error.message.length).toBeGreaterThan(0);
    expect(outcome.error.message.length).toBeLessThan(1000);
    return;
  }
  const event = outcome.event;
  expect(Object.keys(event).filter((key) => !EVENT_KEYS.has(key))).toEqual([]);
  expect(Number.isInteger(event.ts) && event.ts >= 0 && event.ts <= MAX_EVENT_MS).toBe(true);
  expect(isIP(event.ip)).not.toBe(0);
  expect(event.method).toMatch(METHOD);
  expect(event.path.startsWith('/') && event.path.length <= 8192).toBe(true);
  expect(Number.isInteger(event.status) && event.status >= 100 && event.status <= 599).toBe(true);
  expect(Number.isSafeInteger(event.bytes) && event.bytes >= 0).toBe(true);
  if (event.records !== undefined)
    expect(Number.isSafeInteger(event.records) && event.records >= 0).toBe(true);
  for (const text of [event.session, event.user, event.id]) {
    if (text !== undefined) expect(text.length >= 1 && text.length <= 512).toBe(true);
  }
  expect((event.userAgent ?? '').length).toBeLessThanOrEqual(1024);
}

/** Keys a producer or an attacker might send, including prototype-pollution keys. */
const jsonKey = fc.oneof(
  fc.constantFrom(...EVENT_KEYS, '__proto__', 'constructor', 'prototype', 'toString', '@timestamp'),
  fc.constantFrom(
    'source',
    'client',
    'http',
    'url',
    'user',
    'user_agent',
    'event',
    'session',
    'source.ip',
  ),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const absurdNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(-0, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324, 1e21, 8.64e15, -8.64e15),
  fc.integer({ min: -1, max: 7_300_000_000_000 }),
);
const hostileTime = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    '-271821-04-20T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '1969-12-31T23:59:59.999Z',
    '2200-12-31T23:59:59.999Z',
    '2201-01-01T00:00:00Z',
    '9999-12-31T23:59:59+23:59',
  ),
);
const jsonLeaf = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  absurdNumber,
  hostileTime,
  fc.string({ unit: 'binary' }),
);

/** JSON text written by hand so `__proto__` stays an own key, as a producer would send it. */
const hostileObject = fc
  .array(fc.tuple(jsonKey, fc.oneof(jsonLeaf, fc.dictionary(jsonKey, jsonLeaf, { maxKeys: 4 }))), {
    maxLength: 14,
  })
  .map(
    (entries) =>
      `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`,
  );

const near = { ts: 1431857103000, ip: '83.149.9.216', method: 'GET', path: '/a', status: 200 };
const nearlyValidObject = fc
  .tuple(fc.constantFrom(...EVENT_KEYS), jsonLeaf)
  .map(([key, value]) => JSON.stringify({ ...near, [key]: value }));

describe('parseEvent on hostile input', () => {
  it('answers arbitrary strings, lone surrogates included, with a well-formed outcome', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), formats, (raw, format) => {
        expectWellFormed(parseEvent(raw, format));
      }),
      { numRuns: 2000 },
    );
  });

  it('answers arbitrary bytes, invalid UTF-8 included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), formats, (bytes, format) => {
        expectWellFormed(parseEvent(Buffer.from(bytes), format));
      }),
      { numRuns: 1000 },
    );
  });

  it('answers random JSON objects, __proto__ and absurd numbers included, without pollution', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(hostileObject, nearlyValidObject), (raw) => {
        const outcome = parseEvent(raw, 'auto');
        expectWellFormed(outcome);
        if (outcome.ok) accepted++;
      }),
      { numRuns: 3000 },
    );
    // The invariants above must have been exercised on accepted events, not only rejections.
    expect(accepted).toBeGreaterThan(100);
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    expect(({} as Record<string, unknown>).ts).toBeUndefined();
  });
});

/** Each part of a combined-looking line: mostly valid, sometimes wrong, sometimes noise. */
function part(valid: fc.Arbitrary<string>, wrong: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: valid },
    { weight: 1, arbitrary: wrong },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  );
}
const validTime = fc
  .tuple(
    fc.integer({ min: 1, max: 28 }),
    fc.constantFrom('Jan', 'May', 'Dec'),
    fc.integer({ min: 1970, max: 2200 }),
  )
  .map(([day, month, year]) => `[${String(day).padStart(2, '0')}/${month}/${year}:10:05:03 -0130]`);
const combinedLike = fc
  .tuple(
    part(fc.oneof(fc.ipV4(), fc.ipV6()), fc.constantFrom('localhost', '1.2.3', '::g')),
    part(fc.constantFrom('-', 'alice', 'bob smith'), fc.constant('x'.repeat(600))),
    part(
      validTime,
      fc.constantFrom(
        '[31/Apr/2015:10:05:03 +0000]',
        '[17/May/1969:10:05:03 +0000]',
        '[17/May/2015:25:61:61 -9999]',
      ),
    ),
    part(
      fc.constantFrom('"GET / HTTP/1.1"', '"GET /a\\" HTTP/1.1"', '"POST http://h/x HTTP/1.0"'),
      fc.constantFrom('"-"', '"\\x16\\x03"', '"GET', '"GET * HTTP/1.1"'),
    ),
    part(
      fc.integer({ min: 100, max: 599 }).map(String),
      fc.constantFrom('099', '600', '2000', '-'),
    ),
    part(
      fc.oneof(fc.maxSafeNat().map(String), fc.constant('-')),
      fc.constantFrom('99999999999999999', '1e3'),
    ),
    part(
      fc.constantFrom(' "-" "curl/8"', ' "ref" "ua \\" q"', ''),
      fc.constantFrom(' "unclosed', ' "a" "b" "c" 0.1'),
    ),
  )
  .map(
    ([ip, user, time, request, status, bytes, tail]) =>
      `${ip} - ${user} ${time} ${request} ${status} ${bytes}${tail}`,
  );

describe('parseEvent on combined-looking lines', () => {
  it('answers each with a well-formed outcome, accepting the valid ones', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        combinedLike,
        fc.constantFrom<EventFormat>('auto', 'combined'),
        (line, format) => {
          const outcome = parseEvent(line, format);
          expectWellFormed(outcome);
          if (outcome.ok) accepted++;
        },
      ),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  // Each just under MAX_RAW_BYTES (1 MiB): the largest input the parsers ever see.
  const n = MAX_RAW_BYTES - 100;
  it.each([
    ['escaped quotes', `1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /${'\\"'.repeat(n / 2)}`],
    ['backslashes', `1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /${'\\'.repeat(n)}" 200 1`],
    ['open brackets', `1.2.3.4 - ${' ['.repeat(n / 2)}`],
    ['spaces', ' '.repeat(n) + 'x'],
    ['quotes', '"'.repeat(n)],
    ['nested JSON', `${'{"a":'.repeat(n / 6)}1${'}'.repeat(n / 6)}`],
    ['nested arrays', `{"ts":${'['.repeat(n)}`],
    ['a JSON array of events', `[${'{"ts":1,"ip":"1.2.3.4"},'.repeat(n / 25)}1]`],
    ['open brackets first', '['.repeat(n)],
  ])('stays fast on a near-limit line of %s', (_name, line) => {
    for (const format of ['auto', 'json', 'combined'] as const) {
      const started = performance.now();
      expectWellFormed(parseEvent(line, format));
      // Linear costs ~10-40 ms at 1 MiB (measured); anything superlinear costs seconds.
      expect(performance.now() - started).toBeLessThan(250);
    }
  });

  it('refuses a huge record without scanning it', () => {
    const huge = '1.2.3.4 ' + 'x'.repeat(10_000_000);
    const started = performance.now();
    expect(parseEvent(huge, 'auto')).toMatchObject({
      ok: false,
      error: { code: 'EVENT_TOO_LARGE' },
    });
    expect(performance.now() - started).toBeLessThan(20);
  });
});
