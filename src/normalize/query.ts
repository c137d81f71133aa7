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
