// Reading parameters from a raw query string: `page` for pagination walks, `id` and
// `customerId` for object ids (route.ts).
import { decodePercent } from '../request-path/index.js';

const EQUALS = 0x3d;

/**
 * The value of the first parameter called `name` in `query` (raw, without "?"),
 * percent- and plus-decoded; "" for a bare `name` or `name=`; undefined when absent.
 *
 * Choices: pairs are split on "&" only (as WHATWG URLSearchParams does; ";" is
 * left inside values), keys are compared after decoding (so `p%61ge` is `page`),
 * and the FIRST occurrence wins when a name repeats. Each character is visited
 * once, so hostile input such as 100k "&" costs linear time; never throws.
 */
export function queryParam(query: string, name: string): string | undefined {
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    const value = valueIfNamed(query, start, end, name);
    if (value !== undefined) return value;
    start = end + 1;
  }
  return undefined;
}

function valueIfNamed(query: string, start: number, end: number, name: string): string | undefined {
  // Scan for "=" inside this pair only: indexOf('=') could run past "&" to the
  // end of the string on every pair, which is quadratic on "a&a&a&…".
  let keyEnd = start;
  while (keyEnd < end && query.charCodeAt(keyEnd) !== EQUALS) keyEnd++;
  const key = query.slice(start, keyEnd);
  if (key !== name && decodePercent(key, true) !== name) return undefined;
  return keyEnd < end ? decodePercent(query.slice(keyEnd + 1, end), true) : '';
}

/**
 * Calls `visit(tag, value)` for EVERY occurrence of the parameters named in `wanted`
 * (names lowercase), in one pass over `query`: for a detector that reads several
 * parameters of each event (paging: page, offset, cursor, limit), one scan instead
 * of one per name. Keys are compared percent-decoded and lowercased, since servers
 * differ (ASP.NET binds `PAGE` to `page`, and `p%61ge` is `page` everywhere); values
 * are decoded only for wanted keys. Every occurrence is visited because servers
 * differ on repeats too (Express keeps all, PHP and Rails the last, Go the first):
 * the caller decides, e.g. by taking the largest. Linear like queryParam; never throws.
 */
export function visitQueryParams<T>(
  query: string,
  wanted: ReadonlyMap<string, T>,
  visit: (tag: T, value: string) => void,
): void {
  visitQueryParamsWhere(
    query,
    (key) => wanted.get(key) ?? wanted.get(decodePercent(key, true).toLowerCase()),
    visit,
  );
}

/**
 * visitQueryParams with the wanted names given by `tagOf(rawKey)` (the key as written,
 * not decoded: tagOf decodes when it must), for name families no map can list, such
 * as the id parameters (`id`, `customerId`, `customer_id`, …). Linear; never throws.
 */
export function visitQueryParamsWhere<T>(
  query: string,
  tagOf: (rawKey: string) => T | undefined,
  visit: (tag: T, value: string) => void,
): void {
  let start = 0;
  while (start < query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    let keyEnd = start;
    while (keyEnd < end && query.charCodeAt(keyEnd) !== EQUALS) keyEnd++;
    const tag = tagOf(query.slice(start, keyEnd));
    if (tag !== undefined) {
      visit(tag, keyEnd < end ? decodePercent(query.slice(keyEnd + 1, end), true) : '');
    }
    start = end + 1;
  }
}

const MAX_ID_PARAM_NAME = 64;

/**
 * Parameters that end in "id" but name no record a client walks: sessions, click and
 * campaign trackers, request and trace ids (new on every request), and the paging
 * cursors `since_id`, `max_id` … that rise as a feed is polled (paging's business).
 */
const NOT_ID_PARAMS: ReadonlySet<string> = new Set([
  'sid',
  'sessionid',
  'session_id',
  'phpsessid',
  'jsessionid',
  'gclid',
  'fbclid',
  'msclkid',
  'dclid',
  'yclid',
  'ttclid',
  'twclid',
  'utm_id',
  'requestid',
  'request_id',
  'correlationid',
  'correlation_id',
  'traceid',
  'trace_id',
  'spanid',
  'span_id',
  'since_id',
  'max_id',
  'min_id',
  'after_id',
  'before_id',
  'last_id',
]);

/**
 * The name of an id parameter, lowercase and percent-decoded (`ID`, `customerId`,
 * `customer_id`, `userid`, `i%64` → `id`, `customerid`, …), or undefined for any other
 * key: a name is "id" or ends in "id", is at most 64 of [a-z0-9_.-], and is not one of
 * NOT_ID_PARAMS. Keys that cannot end in "id" even once decoded cost two char reads.
 */
export function idParamName(rawKey: string): string | undefined {
  const n = rawKey.length;
  const mayEndInId =
    n >= 2 &&
    (rawKey.charCodeAt(n - 1) | 0x20) === 0x64 &&
    (rawKey.charCodeAt(n - 2) | 0x20) === 0x69;
  if (!mayEndInId && !rawKey.includes('%')) return undefined;
  const name = decodePercent(rawKey, true).toLowerCase();
  const length = name.length;
  if (length < 2 || length > MAX_ID_PARAM_NAME || !name.endsWith('id')) return undefined;
  for (let i = 0; i < length; i++) {
    const code = name.charCodeAt(i);
    const ok =
      (code >= 0x61 && code <= 0x7a) ||
      (code >= 0x30 && code <= 0x39) ||
      code === 0x5f ||
      code === 0x2e ||
      code === 0x2d;
    if (!ok) return undefined;
  }
  return NOT_ID_PARAMS.has(name) ? undefined : name;
}
