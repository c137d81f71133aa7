import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_MS } from './calendar.js';
import { parseEvent } from './parse.js';
import { peekEventTime } from './peek-time.js';

/** An ISO-8601 text of `ms` in one of the spellings the schema reads. */
function isoText(ms: number, spelling: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-05T07:59:59.977Z
  switch (spelling) {
    case 0:
      return iso;
    case 1:
      return iso.replace('T', ' ').replace('Z', '+00:00');
    case 2:
      return `${iso.slice(0, 19)}.${iso.slice(20, 23)}999Z`; // extra fraction digits
    default: {
      // The same instant at +02:00.
      const local = new Date(ms + 2 * 3_600_000).toISOString();
      return `${local.slice(0, 23)}+02:00`;
    }
  }
}

const canonicalLine = fc
  .record({
    ms: fc.integer({ min: 0, max: MAX_EVENT_MS - 3 * 3_600_000 }),
    spelling: fc.integer({ min: 0, max: 3 }),
    ip: fc.ipV4(),
    path: fc.webPath().map((path) => `/${path.replace(/^\/+/, '')}`),
    status: fc.integer({ min: 100, max: 599 }),
  })
  .map(({ ms, spelling, ip, path, status }) =>
    JSON.stringify({ ts: isoText(ms, spelling), ip, method: 'GET', path, status }),
  );

describe('peekEventTime', () => {
  it('reads the time parseEvent gives a canonical line whose first field is ts', () => {
    fc.assert(
      fc.property(canonicalLine, (line) => {
        const outcome = parseEvent(line, 'auto');
        expect(outcome.ok).toBe(true);
        if (outcome.ok) expect(peekEventTime(line)).toBe(outcome.event.ts);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['ts not the first field', '{"ip":"1.2.3.4","ts":"2026-01-05T07:59:59Z","status":200}'],
    ['epoch milliseconds', '{"ts":1767599999000,"ip":"1.2.3.4"}'],
    ['an escape in the time', '{"ts":"2026-01-05T07:59:59\\u005a","ip":"1.2.3.4"}'],
    ['a blank before the object', ' {"ts":"2026-01-05T07:59:59Z","ip":"1.2.3.4"}'],
    ['a blank after the colon', '{"ts": "2026-01-05T07:59:59Z","ip":"1.2.3.4"}'],
    ['no timezone', '{"ts":"2026-01-05T07:59:59","ip":"1.2.3.4"}'],
    ['no closing quote', '{"ts":"2026-01-05T07:59:59Z'],
    ['a time past the schema limit', `{"ts":"2026-01-05T07:59:59${'0'.repeat(60)}Z"}`],
    ['a combined log line', '1.2.3.4 - - [05/Jan/2026:07:59:59 +0000] "GET / HTTP/1.1" 200 1'],
    ['an empty line', ''],
  ])('is NaN for %s', (_, line) => {
    expect(peekEventTime(line)).toBeNaN();
  });

  it('reads the first of two ts fields, where JSON.parse keeps the last', () => {
    const line =
      '{"ts":"2026-01-05T07:59:59Z","ip":"1.2.3.4","method":"GET","path":"/","status":200,' +
      '"ts":"2026-01-05T08:00:00Z"}';
    expect(peekEventTime(line)).toBe(Date.UTC(2026, 0, 5, 7, 59, 59));
    const outcome = parseEvent(line, 'auto');
    expect(outcome.ok && outcome.event.ts).toBe(Date.UTC(2026, 0, 5, 8, 0, 0));
  });

  it('never throws, and reads only lines that start as a canonical time', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          canonicalLine.map((line) => line.slice(0, 30)),
        ),
        (line) => {
          const ts = peekEventTime(line);
          if (!Number.isNaN(ts)) expect(line.startsWith('{"ts":"')).toBe(true);
        },
      ),
    );
  });
});
