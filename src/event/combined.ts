// nginx/Apache "combined" log lines → AccessEvent:
//   %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"
// and the common log format (the same without referer and user agent). Trailing extra
// fields (nginx's "$http_x_forwarded_for", timings) are ignored.
//
// A hand-written indexOf scanner, no regex: the line is attacker-controlled (path, user
// agent), and a backtracking regex over it is a denial-of-service switch. Each character
// is looked at a bounded number of times, so the cost is linear in the line length.
import type { AccessEvent } from './access-event.js';
import { MAX_IDENTIFIER_CHARS, MAX_USER_AGENT_CHARS, isIpAddress, truncate } from './fields.js';
import { closingQuote, readRequestLine, type Step } from './request-line.js';
import { accept, preview, reject, rejectField, type ParseOutcome } from './rejection.js';
import { isEventTimeInRange } from './calendar.js';
import { LOG_TIME_CHARS, parseLogTime } from './time.js';

type Draft = { -readonly [K in keyof AccessEvent]: AccessEvent[K] };

const LAYOUT = '%h %l %u [%t] "%r" %>s %b ["%{Referer}i" "%{User-Agent}i"]';

/** Parses one line from `start`; trailing CR/LF and blanks are ignored. */
export function parseCombined(line: string, start = 0): ParseOutcome {
  const end = contentEnd(line);
  // Two lines in one record would otherwise parse as the first, the second lost unseen.
  const lineBreak = line.indexOf('\n', start);
  if (lineBreak >= 0 && lineBreak < end) return invalidLine('a line break inside the record');
  const event: Draft = { ts: 0, ip: '', method: '', path: '', status: 0, bytes: 0 };
  let at: Step = readClient(line, start, event);
  if (typeof at === 'number') at = readTime(line, at, end, event);
  if (typeof at === 'number') at = readRequestLine(line, at, end, event);
  if (typeof at === 'number') at = readStatusAndBytes(line, at, end, event);
  if (typeof at === 'number') readUserAgent(line, at, end, event);
  return typeof at === 'number' ? accept(event) : at;
}

function contentEnd(line: string): number {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) <= 0x20) end--;
  return end;
}

function invalidLine(problem: string): ParseOutcome {
  return reject('EVENT_INVALID_LINE', `not a combined log line: ${problem} (${LAYOUT})`);
}

/** `%h %l %u ` up to the ` [` that opens the time; returns the index after `[`. */
function readClient(line: string, start: number, event: Draft): Step {
  const timeOpen = timeOpenOf(line, start);
  const ipEnd = line.indexOf(' ', start);
  const identEnd = line.indexOf(' ', ipEnd + 1);
  if (timeOpen < 0) return invalidLine('no "[time]" after host, ident and user');
  event.ip = line.slice(start, ipEnd);
  if (!isIpAddress(event.ip)) {
    return rejectField('ip', `expected an IPv4 or IPv6 address, got ${preview(event.ip)}`);
  }
  // %u is "-" when there is no authenticated user.
  const user = line.slice(identEnd + 1, timeOpen);
  if (user.length > MAX_IDENTIFIER_CHARS) {
    return rejectField('user', `longer than ${MAX_IDENTIFIER_CHARS} characters`);
  }
  if (user !== '-' && user !== '') event.user = user;
  return timeOpen + 2;
}

/** `17/May/2015:10:05:03 +0000] "`; returns the index after the opening quote of %r. */
function readTime(line: string, at: number, end: number, event: Draft): Step {
  const close = at + LOG_TIME_CHARS;
  if (!isTimeShape(line, at, end)) {
    const shown = preview(line.slice(at - 1, Math.min(end, close + 1)));
    return rejectField('time', `expected [dd/Mon/yyyy:HH:MM:SS +hhmm] "request", got ${shown}`);
  }
  event.ts = parseLogTime(line, at);
  if (isEventTimeInRange(event.ts)) return close + 3;
  const problem = Number.isNaN(event.ts)
    ? 'expected [dd/Mon/yyyy:HH:MM:SS +hhmm]'
    : 'time out of range (years 1970 to 2200)';
  return rejectField('time', `${problem}, got ${preview(line.slice(at - 1, close + 1))}`);
}

/** The ` [` after `%h %l %u` that opens the time, -1 when there is none. */
function timeOpenOf(line: string, start: number): number {
  const ipEnd = line.indexOf(' ', start);
  const identEnd = ipEnd < 0 ? -1 : line.indexOf(' ', ipEnd + 1);
  return identEnd < 0 ? -1 : line.indexOf(' [', identEnd);
}

/** Whether `line[at…]` is a time's length, then `] "`. */
function isTimeShape(line: string, at: number, end: number): boolean {
  const close = at + LOG_TIME_CHARS;
  return (
    close + 3 <= end && line[close] === ']' && line[close + 1] === ' ' && line[close + 2] === '"'
  );
}

/**
 * The event time parseCombined reads from the line at `start`, NaN when it reads none:
 * found as it finds it, without reading the rest (replay's peekEventTime).
 */
export function combinedLineTime(line: string, start: number): number {
  const timeOpen = timeOpenOf(line, start);
  if (timeOpen < 0 || !isTimeShape(line, timeOpen + 2, contentEnd(line))) return NaN;
  return parseLogTime(line, timeOpen + 2);
}

/** ` 200 1234` (`-` for no body); returns the index after %b. */
function readStatusAndBytes(line: string, at: number, end: number, event: Draft): Step {
  const statusEnd = line.indexOf(' ', at + 1);
  if (line[at] !== ' ' || statusEnd < 0 || statusEnd >= end) {
    return invalidLine('no status and size after the request');
  }
  event.status = statusEnd === at + 4 ? readDigits3(line, at + 1) : -1;
  if (!(event.status >= 100 && event.status <= 599)) {
    const shown = preview(line.slice(at + 1, statusEnd));
    return rejectField('status', `expected a status 100 to 599, got ${shown}`);
  }
  let bytesEnd = line.indexOf(' ', statusEnd + 1);
  if (bytesEnd < 0 || bytesEnd > end) bytesEnd = end;
  const size = line.slice(statusEnd + 1, bytesEnd);
  event.bytes = size === '-' ? 0 : parseCount(size);
  if (event.bytes < 0) {
    return rejectField('bytes', `expected a byte count or "-", got ${preview(size)}`);
  }
  return bytesEnd;
}

function readDigits3(line: string, at: number): number {
  const a = line.charCodeAt(at) - 48;
  const b = line.charCodeAt(at + 1) - 48;
  const c = line.charCodeAt(at + 2) - 48;
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9)) return -1;
  return a * 100 + b * 10 + c;
}

/** Decimal digits → a safe integer, or -1. */
function parseCount(text: string): number {
  if (text.length === 0 || text.length > 16) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return Number.isSafeInteger(value) ? value : -1;
}

/**
 * The optional ` "referer" "user agent"`. Absent (common log format), `-`, or garbled:
 * no user agent, never a rejection; the request itself was already read. An unclosed
 * last quote (a truncated line) keeps the text up to the end of the line.
 */
function readUserAgent(line: string, at: number, end: number, event: Draft): void {
  if (line[at] !== ' ' || line[at + 1] !== '"') return;
  const refererEnd = closingQuote(line, at + 2, end);
  if (refererEnd < 0 || line[refererEnd + 1] !== ' ' || line[refererEnd + 2] !== '"') return;
  const uaStart = refererEnd + 3;
  const uaEnd = closingQuote(line, uaStart, end);
  const ua = line.slice(uaStart, uaEnd < 0 ? end : uaEnd);
  if (ua !== '-' && ua !== '') event.userAgent = truncate(ua, MAX_USER_AGENT_CHARS);
}
