// The quoted request line of a combined log line, `"GET /path?q HTTP/1.1"`, scanned by
// hand like the rest of the line (no regex over attacker-controlled text).
import { isHttpMethod, requestPath, upperCaseMethod } from './fields.js';
import { preview, reject, rejectField, type ParseOutcome } from './rejection.js';

/** A scanner step: the index where the next step starts, or the rejection. */
export type Step = number | ParseOutcome;

const REQUEST_SHAPE = 'expected "METHOD /path HTTP/x.y"';

/**
 * Reads `METHOD target HTTP/x.y"` from `at` (just past the opening quote) into `into`
 * and returns the index after the closing quote. `HTTP/0.9` lines without a protocol
 * are accepted; `"-"` (nginx, no request read) and junk such as a TLS handshake sent
 * to a plain-text port are rejections naming `request`.
 */
export function readRequestLine(
  line: string,
  at: number,
  end: number,
  into: { method: string; path: string },
): Step {
  const close = closingQuote(line, at, end);
  if (close < 0) {
    return reject(
      'EVENT_INVALID_LINE',
      'not a combined log line: no closing quote after the request',
    );
  }
  const methodEnd = line.indexOf(' ', at);
  if (methodEnd < 0 || methodEnd >= close) return badRequest(line, at, close);
  into.method = line.slice(at, methodEnd);
  const lastSpace = line.lastIndexOf(' ', close - 1);
  const hasProtocol = lastSpace > methodEnd && line.startsWith('HTTP/', lastSpace + 1);
  const path = requestPath(line.slice(methodEnd + 1, hasProtocol ? lastSpace : close));
  if (!isHttpMethod(into.method) || path === undefined) return badRequest(line, at, close);
  into.method = upperCaseMethod(into.method);
  into.path = path;
  return close + 1;
}

function badRequest(line: string, at: number, close: number): ParseOutcome {
  return rejectField('request', `${REQUEST_SHAPE}, got ${preview(line.slice(at, close))}`);
}

/**
 * Index of the `"` closing a field that starts at `from`, skipping quotes escaped as
 * `\"` (Apache escapes `"` and `\`; nginx writes `\x22`), or -1 before `end`. Linear:
 * each backslash run is walked back once, from the quote that follows it.
 */
export function closingQuote(line: string, from: number, end: number): number {
  let quote = line.indexOf('"', from);
  while (quote >= 0 && quote < end) {
    let backslashes = 0;
    while (quote - backslashes - 1 >= from && line.charCodeAt(quote - backslashes - 1) === 0x5c) {
      backslashes++;
    }
    if (backslashes % 2 === 0) return quote;
    quote = line.indexOf('"', quote + 1);
  }
  return -1;
}
