// Reading one parameter from a raw query string, e.g. `page` for pagination walks.
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
  let start = 0;
  while (start < query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    let keyEnd = start;
    while (keyEnd < end && query.charCodeAt(keyEnd) !== EQUALS) keyEnd++;
    const key = query.slice(start, keyEnd);
    const tag = wanted.get(key) ?? wanted.get(decodePercent(key, true).toLowerCase());
    if (tag !== undefined) {
      visit(tag, keyEnd < end ? decodePercent(query.slice(keyEnd + 1, end), true) : '');
    }
    start = end + 1;
  }
}
