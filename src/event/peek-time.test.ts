import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_MS } from './calendar.js';
import { parseEvent, type EventFormat } from './parse.js';
import { peekEventTime } from './peek-time.js';

const HOUR = 3_600_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

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
    default:
      // The same instant at +02:00.
      return `${new Date(ms + 2 * HOUR).toISOString().slice(0, 23)}+02:00`;
  }
}

/** `05/Jan/2026:07:59:59 +0000` of `ms`, at UTC or at -05:30. */
function logTime(ms: number, behind: boolean): string {
  const d = new Date(behind ? ms - 5.5 * HOUR : ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}`;
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${day}:${time} ${behind ? '-0530' : '+0000'}`;
}

const fields = fc.record({
  ms: fc.integer({ min: Date.UTC(1971, 0), max: MAX_EVENT_MS - 3 * HOUR }),
  spelling: fc.integer({ min: 0, max: 3 }),
  ip: fc.ipV4(),
  path: fc.webPath().map((path) => `/${path.replace(/^\/+/, '')}`),
  status: fc.integer({ min: 100, max: 599 }),
});

const canonicalLine = fields.map(({ ms, spelling, ip, path, status }) =>
  JSON.stringify({ ts: isoText(ms, spelling), ip, method: 'GET', path, status }),
);

const combinedLine = fields.map(
  ({ ms, spelling, ip, path, status }) =>
    `${spelling === 0 ? ' ' : ''}${ip} - ${spelling === 1 ? 'ann' : '-'} ` +
    `[${logTime(ms - (ms % 1000), spelling === 2)}] "GET ${path} HTTP/1.1" ${status} 12 "-" "curl/8"`,
);

/** The line read both ways: its time peeked is the time parseEvent gives. */
function peeksAsParsed(line: string, format: EventFormat): void {
  const outcome = parseEvent(line, format);
  expect(outcome.ok).toBe(true);
  if (outcome.ok) expect(peekEventTime(line, format)).toBe(outcome.event.ts);
}

describe('peekEventTime', () => {
  it('reads the time parseEvent gives a canonical line whose first field is ts', () => {
    fc.assert(
      fc.property(canonicalLine, fc.constantFrom<EventFormat>('auto', 'json'), peeksAsParsed),
      { numRuns: 300 },
    );
  });

  it('reads the time parseEvent gives a combined log line', () => {
    fc.assert(
      fc.property(combinedLine, fc.constantFrom<EventFormat>('auto', 'combined'), peeksAsParsed),
      { numRuns: 300 },
    );
  });

  const combined = '1.2.3.4 - - [05/Jan/2026:07:59:59 +0000] "GET / HTTP/1.1" 200 1';
  it.each<[string, string, EventFormat]>([
    ['ts not the first field', '{"ip":"1.2.3.4","ts":"2026-01-05T07:59:59Z","status":200}', 'auto'],
    ['epoch milliseconds', '{"ts":1767599999000,"ip":"1.2.3.4"}', 'auto'],
    ['an escape in the time', '{"ts":"2026-01-05T07:59:59\\u005a","ip":"1.2.3.4"}', 'auto'],
    ['a blank before the object', ' {"ts":"2026-01-05T07:59:59Z","ip":"1.2.3.4"}', 'auto'],
    ['a blank after the colon', '{"ts": "2026-01-05T07:59:59Z","ip":"1.2.3.4"}', 'auto'],
    ['no timezone', '{"ts":"2026-01-05T07:59:59","ip":"1.2.3.4"}', 'auto'],
    ['no closing quote', '{"ts":"2026-01-05T07:59:59Z', 'auto'],
    ['a time past the schema limit', `{"ts":"2026-01-05T07:59:59${'0'.repeat(60)}Z"}`, 'auto'],
    ['a time out of range', '{"ts":"2201-01-05T07:59:59Z","ip":"1.2.3.4"}', 'auto'],
    ['a JSON array', '[{"ts":"2026-01-05T07:59:59Z"}]', 'auto'],
    ['a combined line read as JSON', combined, 'json'],
    ['a JSON line read as combined', '{"ts":"2026-01-05T07:59:59Z","ip":"1.2.3.4"}', 'combined'],
    ['a combined line without its quote', combined.replace('] "', '] '), 'auto'],
    ['a combined time cut short', combined.replace(':59 +0000]', ':59]'), 'combined'],
    ['a combined time of no month', combined.replace('Jan', 'Jnu'), 'auto'],
    ['a combined line of one field', '1.2.3.4', 'auto'],
    [
      'a combined line of no ident and user, after a blank',
      ' 1.2.3.4 [05/Jan/2026:07:59:59 +0000] "GET / HTTP/1.1" 200 1',
      'auto',
    ],
    [
      'a combined line of no ident and user, after a blank, read as combined',
      ' 1.2.3.4 [05/Jan/2026:07:59:59 +0000] "GET / HTTP/1.1" 200 1',
      'combined',
    ],
    [
      'a JSON line holding a combined time',
      '{"ip": "1.2.3.4", "status": 200, "userAgent": "see [05/Jan/2026:07:59:59 +0000] "}',
      'auto',
    ],
    ['an empty line', '', 'auto'],
  ])('is NaN for %s', (_, line, format) => {
    expect(peekEventTime(line, format)).toBeNaN();
  });

  it('reads the request time of a combined line whose user agent carries another time', () => {
    // The fields a client controls come after the time: the line's own time is read, as
    // the parser reads it, whatever a client puts there.
    const line =
      '1.2.3.4 - ann [05/Jan/2026:07:59:59 +0000] "GET /a?t=[06/Jan/2026:00:00:00 +0000] ' +
      'HTTP/1.1" 200 1 "-" "x [06/Jan/2026:00:00:00 +0000] \\"y"';
    peeksAsParsed(line, 'auto');
    expect(peekEventTime(line, 'combined')).toBe(Date.UTC(2026, 0, 5, 7, 59, 59));
  });

  it('reads the first of two ts fields, where JSON.parse keeps the last', () => {
    const line =
      '{"ts":"2026-01-05T07:59:59Z","ip":"1.2.3.4","method":"GET","path":"/","status":200,' +
      '"ts":"2026-01-05T08:00:00Z"}';
    expect(peekEventTime(line, 'auto')).toBe(Date.UTC(2026, 0, 5, 7, 59, 59));
    const outcome = parseEvent(line, 'auto');
    expect(outcome.ok && outcome.event.ts).toBe(Date.UTC(2026, 0, 5, 8, 0, 0));
  });

  it('never throws, and reads a time only where parseEvent reads one', () => {
    const cut = fc
      .oneof(canonicalLine, combinedLine)
      .chain((line) => fc.integer({ min: 0, max: line.length }).map((end) => line.slice(0, end)));
    fc.assert(
      fc.property(fc.oneof(fc.string(), cut), (line) => {
        const ts = peekEventTime(line, 'auto');
        const outcome = parseEvent(line, 'auto');
        if (outcome.ok) expect(ts).toBe(outcome.event.ts);
        else if (!Number.isNaN(ts)) expect(outcome.error.code).not.toBe('EVENT_EMPTY');
      }),
      { numRuns: 500 },
    );
  });
});
