// Issue 9, items 5 and 6: padding a request must not take its record out of detection,
// and a method's case must not either, in every input format.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PATH_CHARS, MAX_RAW_BYTES, MAX_USER_AGENT_CHARS } from './fields.js';
import { parseEvent, type ParseOutcome } from './index.js';

const TS = '2026-11-30T10:05:03Z';
type Fields = { method: string; path: string; userAgent: string };

/** The same request in each accepted format. */
const FORMATS = {
  canonical: (f: Fields) =>
    JSON.stringify({ ts: TS, ip: '203.0.113.5', status: 200, bytes: 5, ...f }),
  ecs: (f: Fields) =>
    JSON.stringify({
      '@timestamp': TS,
      source: { ip: '203.0.113.5' },
      http: { request: { method: f.method }, response: { status_code: 200 } },
      url: { original: f.path },
      user_agent: { original: f.userAgent },
    }),
  combined: (f: Fields) =>
    `203.0.113.5 - - [30/Nov/2026:10:05:03 +0000] "${f.method} ${f.path} HTTP/1.1" 200 5 "-" "${f.userAgent}"`,
} as const;
const FORMAT_NAMES = Object.keys(FORMATS) as (keyof typeof FORMATS)[];

function accepted(outcome: ParseOutcome) {
  if (!outcome.ok) throw new Error(`rejected: ${outcome.error.message}`);
  return outcome.event;
}

describe('padded records (item 5)', () => {
  it('accepts a 66 KB user agent in every format, truncated', () => {
    for (const format of FORMAT_NAMES) {
      const raw = FORMATS[format]({
        method: 'GET',
        path: '/api/users/7',
        userAgent: 'u'.repeat(66_000),
      });
      const event = accepted(parseEvent(raw, 'auto'));
      expect(event.userAgent).toBe('u'.repeat(MAX_USER_AGENT_CHARS));
      expect(event.path).toBe('/api/users/7');
    }
  });

  it('accepts any padding of user agent or path below the record cap (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FORMAT_NAMES),
        fc.constantFrom('userAgent', 'path'),
        fc.integer({ min: 1, max: MAX_RAW_BYTES - 1000 }),
        (format, field, size) => {
          const fields = { method: 'GET', path: '/api/users/7', userAgent: 'curl/8' };
          if (field === 'userAgent') fields.userAgent = 'u'.repeat(size);
          else fields.path = `/api/users/7?pad=${'p'.repeat(size)}`;
          const event = accepted(parseEvent(FORMATS[format](fields), 'auto'));
          expect(event.userAgent!.length).toBeLessThanOrEqual(MAX_USER_AGENT_CHARS);
          expect(event.path.length).toBeLessThanOrEqual(MAX_PATH_CHARS);
          expect(event.path.startsWith('/api/users/7')).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses only a record over the 1 MiB cap', () => {
    for (const format of FORMAT_NAMES) {
      const raw = FORMATS[format]({
        method: 'GET',
        path: '/a',
        userAgent: 'u'.repeat(MAX_RAW_BYTES),
      });
      const outcome = parseEvent(Buffer.from(raw), 'auto');
      expect(outcome.ok ? undefined : outcome.error.code).toBe('EVENT_TOO_LARGE');
    }
  });
});

describe('method case (item 6)', () => {
  it('upper-cases the method in every format (property)', () => {
    const method = fc.stringMatching(/^[A-Za-z]{1,12}$/);
    fc.assert(
      fc.property(fc.constantFrom(...FORMAT_NAMES), method, (format, sent) => {
        const raw = FORMATS[format]({ method: sent, path: '/api/users/7', userAgent: 'x' });
        expect(accepted(parseEvent(raw, 'auto')).method).toBe(sent.toUpperCase());
      }),
      { numRuns: 300 },
    );
  });

  it('keeps token characters other than letters as they are', () => {
    const raw = FORMATS.canonical({ method: 'm-search_1', path: '/', userAgent: 'x' });
    expect(accepted(parseEvent(raw, 'auto')).method).toBe('M-SEARCH_1');
  });
});
