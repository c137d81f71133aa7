// Reading a request path into the segments a server routes on. Every spelling that
// servers and backends treat as the same path must give the same segments, or an
// attacker splits one enumeration over many routes, or hides the id.
//
//  - The path part ends at the first "?" or "#"; the absolute form `http://host/p`
//    of proxy requests is read from its path.
//  - "/" and "\" both separate segments: IIS, and browsers for http(s) URLs, read
//    `/api\users\7` as `/api/users/7`.
//  - In a segment, what backends drop before they look the record up is dropped:
//    ";params" (Tomcat, Jetty), everything from a NUL on (C strings end there: a
//    MySQL or file lookup of `7\0x` reads `7`), ASCII whitespace at both ends
//    (`%207%20`: MySQL's and Ruby's string-to-number casts skip it) and trailing dots
//    (Windows and IIS drop them from names; `7.`.to_i is 7).
//  - "" and "." segments vanish and ".." removes the segment before it (RFC 3986
//    §5.2.4), over the WHOLE path: nothing is cut before they are resolved, so no
//    padding of `/./` or `x/../` can push the id out of what is read.
//  - At most MAX_SEGMENTS segments are kept; deeper ones are counted so that ".."
//    still pops the right one, and the read is marked cut. No route of a real API is
//    that deep, and a route holds only MAX_ROUTE_LENGTH characters anyway.
// One pass of indexOf and char-code loops, no regular expression: the cost is
// linear in the path, whatever an attacker puts in it.

export const MAX_SEGMENTS = 128;

const SLASH = 0x2f;
const DOT = 0x2e;

/** The segments read from a path, each made by the caller from its cleaned text. */
export interface ReadPath<T> {
  readonly segments: T[];
  /** Whether segments beyond MAX_SEGMENTS were dropped. */
  readonly cut: boolean;
}

/** Where the path part of a request target ends: the first "?" or "#", or its length. */
export function pathEnd(target: string): number {
  const query = target.indexOf('?');
  const fragment = target.indexOf('#');
  if (query === -1) return fragment === -1 ? target.length : fragment;
  return fragment === -1 ? query : Math.min(query, fragment);
}

/** Where the path starts: 0, or past scheme and host of an absolute-form target. */
export function pathStart(target: string, end: number): number {
  if (target.charCodeAt(0) === SLASH) return 0; // the origin form, by far the most common
  const schemeEnd = target.startsWith('://', 4) ? 7 : target.startsWith('://', 5) ? 8 : -1;
  const scheme = schemeEnd === -1 ? '' : target.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'http://' && scheme !== 'https://') return 0;
  const slash = target.indexOf('/', schemeEnd);
  return slash === -1 || slash > end ? end : slash;
}

/** The segments of a percent-decoded path part, dot segments resolved. */
export function readSegments<T>(path: string, make: (text: string) => T): ReadPath<T> {
  const segments: T[] = [];
  let deeper = 0; // segments past MAX_SEGMENTS, dropped but still on the stack for ".."
  // The next "/", "\\", ";" and NUL at or after the segment, found once each, not per
  // segment: an indexOf per segment for a separator the path lacks scans to its end each
  // time (a megabyte of backslashes cost seconds).
  let slash = path.indexOf('/');
  let backslash = path.indexOf('\\');
  let params = path.indexOf(';');
  let nul = path.indexOf('\0');
  for (let start = 0, end = 0; start < path.length; start = end + 1) {
    slash = nextAt(path, '/', slash, start);
    end = slash === -1 ? path.length : slash;
    backslash = nextAt(path, '\\', backslash, start);
    end = before(backslash, end);
    params = nextAt(path, ';', params, start);
    nul = nextAt(path, '\0', nul, start);
    const stop = before(nul, before(params, end));
    const textEnd = stop === start ? VANISHES : cleanEnd(path, start, stop);
    if (textEnd === VANISHES) continue;
    if (textEnd === PARENT) {
      if (deeper > 0) deeper--;
      else segments.pop();
    } else if (segments.length < MAX_SEGMENTS) segments.push(make(path.slice(textStart, textEnd)));
    else deeper++;
  }
  return { segments, cut: deeper > 0 };
}

/** The first index of `char` at or after `from`, given the last one found (-1: none left). */
function nextAt(path: string, char: string, found: number, from: number): number {
  return found !== -1 && found < from ? path.indexOf(char, from) : found;
}

/** `index` when it is found and comes before `end`, else `end`. */
function before(index: number, end: number): number {
  return index !== -1 && index < end ? index : end;
}

const VANISHES = -1;
const PARENT = -2;
/** Where the cleaned text of the segment last given to cleanEnd starts. */
let textStart = 0;

/**
 * Cleans the segment `path[start, end)` (cut at ";" or NUL already) without copying
 * it: returns where its text
 * ends (and sets textStart), or VANISHES for a segment that is dropped, or PARENT
 * for "..". Indexes rather than slices, so that a path of a million segments costs
 * no million strings.
 */
function cleanEnd(path: string, start: number, end: number): number {
  while (start < end && isSpace(path.charCodeAt(start))) start++;
  while (end > start && isSpace(path.charCodeAt(end - 1))) end--;
  const length = end - start;
  if (length <= 2 && path.charCodeAt(start) === DOT) {
    if (length === 1) return VANISHES;
    if (length === 2 && path.charCodeAt(start + 1) === DOT) return PARENT;
  }
  while (end > start && isDotOrSpace(path.charCodeAt(end - 1))) end--;
  textStart = start;
  return end > start ? end : VANISHES;
}

/** ASCII whitespace: tab, line feed, vertical tab, form feed, carriage return, space. */
function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

function isDotOrSpace(code: number): boolean {
  return code === DOT || isSpace(code);
}
