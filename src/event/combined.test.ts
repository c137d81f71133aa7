import { describe, expect, it } from 'vitest';
import { parseCombined } from './combined.js';
import { closingQuote } from './request-line.js';

const T = Date.UTC(2015, 4, 17, 10, 5, 3);
const PREFIX = '83.149.9.216 - - [17/May/2015:10:05:03 +0000]';
const LINE = `${PREFIX} "GET /presentations/?p=1 HTTP/1.1" 200 203023 "http://semicomplete.com/" "Mozilla/5.0 (X11)"`;

function messageOf(line: string): string | undefined {
  const outcome = parseCombined(line);
  return outcome.ok ? undefined : outcome.error.message;
}

describe('parseCombined: accepted', () => {
  it('reads a combined line', () => {
    expect(parseCombined(LINE)).toStrictEqual({
      ok: true,
      event: {
        ts: T,
        ip: '83.149.9.216',
        method: 'GET',
        path: '/presentations/?p=1',
        status: 200,
        bytes: 203023,
        userAgent: 'Mozilla/5.0 (X11)',
      },
    });
  });

  it('reads the common log format, a user, "-" as 0 bytes, an offset and IPv6', () => {
    const line = '2001:db8::1 - alice [17/May/2015:12:05:03 +0200] "POST /export HTTP/1.0" 201 -';
    expect(parseCombined(line)).toStrictEqual({
      ok: true,
      event: {
        ts: T,
        ip: '2001:db8::1',
        method: 'POST',
        path: '/export',
        status: 201,
        bytes: 0,
        user: 'alice',
      },
    });
  });

  it.each([
    ['a CRLF ending', `${LINE}\r\n`, 'Mozilla/5.0 (X11)'],
    ['extra nginx fields after the user agent', `${LINE} "10.0.0.1" 0.004`, 'Mozilla/5.0 (X11)'],
    [
      'escaped quotes in the user agent',
      `${PREFIX} "GET / HTTP/1.1" 200 1 "-" "a \\"b\\" c"`,
      'a \\"b\\" c',
    ],
    [
      'a truncated line without the closing quote',
      `${PREFIX} "GET / HTTP/1.1" 200 1 "-" "Mozilla/5.0 (compat`,
      'Mozilla/5.0 (compat',
    ],
    ['"-" as user agent', `${PREFIX} "GET / HTTP/1.1" 200 1 "-" "-"`, undefined],
    ['a garbled referer', `${PREFIX} "GET / HTTP/1.1" 200 1 "unclosed`, undefined],
  ])('tolerates %s', (_name, line, userAgent) => {
    const outcome = parseCombined(line);
    expect(outcome.ok && outcome.event.userAgent).toBe(userAgent);
  });

  it.each([
    ['GET http://example.com/a?b HTTP/1.1', 'GET', '/a?b'],
    ['GET /a b HTTP/1.1', 'GET', '/a b'],
    ['GET /old-style', 'GET', '/old-style'],
    ['PROPFIND /dav/ HTTP/1.1', 'PROPFIND', '/dav/'],
    ['GET /q?\\"x\\" HTTP/1.1', 'GET', '/q?\\"x\\"'],
  ])('reads the request %s', (request, method, path) => {
    const outcome = parseCombined(`${PREFIX} "${request}" 200 1`);
    expect(outcome.ok && [outcome.event.method, outcome.event.path]).toEqual([method, path]);
  });
});

describe('parseCombined: rejected, with the field named', () => {
  it.each([
    [`${PREFIX} "-" 400 0 "-" "-"`, 'request: expected "METHOD /path HTTP/x.y", got "-"'],
    [
      `${PREFIX} "\\x16\\x03\\x01" 400 0`,
      'request: expected "METHOD /path HTTP/x.y", got "\\\\x16\\\\x03\\\\x01"',
    ],
    [
      `${PREFIX} "GET * HTTP/1.1" 200 0`,
      'request: expected "METHOD /path HTTP/x.y", got "GET * HTTP/1.1"',
    ],
    [
      `${PREFIX} "G(T / HTTP/1.1" 200 0`,
      'request: expected "METHOD /path HTTP/x.y", got "G(T / HTTP/1.1"',
    ],
    [`${PREFIX} "GET / HTTP/1.1" 99 0`, 'status: expected a status 100 to 599, got "99"'],
    [
      `${PREFIX} "GET / HTTP/1.1" 200`,
      'not a combined log line: no status and size after the request (%h %l %u [%t] "%r" %>s %b ["%{Referer}i" "%{User-Agent}i"])',
    ],
    [
      `${PREFIX} "GET / HTTP/1.1" 200 `,
      'not a combined log line: no status and size after the request (%h %l %u [%t] "%r" %>s %b ["%{Referer}i" "%{User-Agent}i"])',
    ],
    [`${PREFIX} "GET / HTTP/1.1" 700 0`, 'status: expected a status 100 to 599, got "700"'],
    [`${PREFIX} "GET / HTTP/1.1" 2x0 0`, 'status: expected a status 100 to 599, got "2x0"'],
    [`${PREFIX} "GET / HTTP/1.1" 200 12k`, 'bytes: expected a byte count or "-", got "12k"'],
    [
      `${PREFIX} "GET / HTTP/1.1" 200 99999999999999999`,
      'bytes: expected a byte count or "-", got "99999999999999999"',
    ],
    [
      'localhost - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 0',
      'ip: expected an IPv4 or IPv6 address, got "localhost"',
    ],
    [
      '1.2.3.4 - - [17/Mai/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 0',
      'time: expected [dd/Mon/yyyy:HH:MM:SS +hhmm], got "[17/Mai/2015:10:05:03 +0000]"',
    ],
    [
      '1.2.3.4 - - [17/May/1969:10:05:03 +0000] "GET / HTTP/1.1" 200 0',
      'time: time out of range (years 1970 to 2200), got "[17/May/1969:10:05:03 +0000]"',
    ],
    [
      '1.2.3.4 - - [17/May/2015:10:05:03] "GET / HTTP/1.1" 200 0',
      'time: expected [dd/Mon/yyyy:HH:MM:SS +hhmm] "request", got "[17/May/2015:10:05:03] \\"GET "',
    ],
    [
      `${LINE}\n${LINE}`,
      'not a combined log line: a line break inside the record (%h %l %u [%t] "%r" %>s %b ["%{Referer}i" "%{User-Agent}i"])',
    ],
    [
      `${PREFIX} "GET / HTTP/1.1 200 0`,
      'not a combined log line: no closing quote after the request',
    ],
    [
      'hello world',
      'not a combined log line: no "[time]" after host, ident and user (%h %l %u [%t] "%r" %>s %b ["%{Referer}i" "%{User-Agent}i"])',
    ],
  ])('%s', (line, message) => {
    expect(messageOf(line)).toBe(message);
  });

  it('uses EVENT_INVALID_FIELD for a bad field and EVENT_INVALID_LINE for a bad shape', () => {
    const badField = parseCombined(`${PREFIX} "-" 400 0`);
    const badShape = parseCombined('hello world');
    expect(badField.ok ? undefined : [badField.error.code, badField.error.field]).toEqual([
      'EVENT_INVALID_FIELD',
      'request',
    ]);
    expect(badShape.ok ? undefined : badShape.error.code).toBe('EVENT_INVALID_LINE');
  });
});

describe('closingQuote', () => {
  it('skips escaped quotes but not an escaped backslash before a quote', () => {
    expect(closingQuote('a\\"b"', 0, 5)).toBe(4);
    expect(closingQuote('a\\\\"b"', 0, 6)).toBe(3);
    expect(closingQuote('abc', 0, 3)).toBe(-1);
  });

  it('stays linear on a hostile run of escaped quotes', () => {
    const hostile = '\\"'.repeat(30_000);
    const started = performance.now();
    expect(closingQuote(hostile, 0, hostile.length)).toBe(-1);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
