// Route templates and object ids: `GET /api/users/1042?x=1` → `/api/users/:id`,
// object 1042. Rules key their windows on the route and count the object ids.
//
// Steps, each chosen so that the spellings a server treats as one resource give
// one route (otherwise an attacker splits one enumeration over many routes):
//  1. Split off the query at the first "?" (and drop a "#fragment"); accept the
//     absolute form `http://host/path` of proxy requests by dropping scheme and host.
//  2. Read at most MAX_PATH_SCAN characters (servers refuse longer request lines).
//  3. Percent-decode the whole path once, without throwing (percent.ts), before
//     splitting on "/", as nginx does: `%31%30%34%32` is 1042 to the backend.
//  4. Drop empty segments (so "//" and trailing "/" vanish) and "." segments;
//     ".." removes the segment before it; ";params" are cut (Tomcat ignores them).
//  5. Id segments (segment.ts) become ":id", with their format suffix kept:
//     `1042.json` → `:id.json`. The object id is the LAST id segment.
//  6. Literal segments are lowercased. Paths are case-sensitive in general, but
//     no real API has two routes differing only by case, while case-insensitive
//     servers (IIS, some frameworks) would let `/API/Users/1` evade a rule.
//     Object ids keep their case: tokens are case-sensitive.
//  7. The route is capped at MAX_ROUTE_LENGTH characters, cut between segments
//     and ended with "/:truncated", so a cut never leaves a half segment.
import { formatSuffixStart, isStaticAsset } from './extension.js';
import { decodePercent } from './percent.js';
import { classifySegment, type IdKind } from './segment.js';

export type { IdKind } from './segment.js';

/** A request path reduced to what rules group on (route) and count (object id). */
export interface NormalizedPath {
  /** Template such as `/api/users/:id`: lowercase literals, `:id` for every id. */
  readonly route: string;
  /** The last id segment, percent-decoded, original case (`1042`). */
  readonly objectId?: string;
  readonly idKind?: IdKind;
  /** The object id as a number, when it is numeric and a safe integer. */
  readonly numericId?: number;
  /** The raw query string without "?", "" when there is none. */
  readonly query: string;
  /** Image, script, style, font, source map or favicon, by extension. */
  readonly isStatic: boolean;
}

export const ID_PLACEHOLDER = ':id';
export const TRUNCATED = ':truncated';
export const MAX_ROUTE_LENGTH = 256;
export const MAX_PATH_SCAN = 8192;

/** A path segment that is an object id. */
interface IdSegment {
  /** `:id`, plus the format suffix if the id had one (`:id.json`). */
  readonly routeText: string;
  readonly objectId: string;
  readonly idKind: IdKind;
}

/** A literal path segment: its lowercase text is part of the route. */
interface LiteralSegment {
  readonly routeText: string;
  readonly objectId?: undefined;
  readonly idKind?: undefined;
}

type Segment = IdSegment | LiteralSegment;

/** Normalizes a request path with optional query. Never throws, whatever the input. */
export function normalizePath(path: string): NormalizedPath {
  const queryStart = path.indexOf('?');
  const fragmentStart = path.indexOf('#');
  const pathEnd = minIndex(queryStart, fragmentStart, path.length);
  const query = queryStart === -1 || queryStart > pathEnd ? '' : queryText(path, queryStart);
  const pathText = decodePercent(readablePath(path, pathEnd));
  const segments = splitSegments(pathText);
  const last = segments[segments.length - 1];
  const route = buildRoute(segments);
  const isStatic = last !== undefined && isStaticAsset(last.routeText);
  const id = lastId(segments);
  if (id === undefined) return { route, query, isStatic };
  const { objectId, idKind } = id;
  const numericId = idKind === 'numeric' ? safeInteger(objectId) : undefined;
  return numericId === undefined
    ? { route, objectId, idKind, query, isStatic }
    : { route, objectId, idKind, numericId, query, isStatic };
}

function minIndex(a: number, b: number, fallback: number): number {
  if (a === -1) return b === -1 ? fallback : b;
  return b === -1 ? a : Math.min(a, b);
}

function queryText(path: string, queryStart: number): string {
  const fragmentStart = path.indexOf('#', queryStart);
  return path.slice(queryStart + 1, fragmentStart === -1 ? path.length : fragmentStart);
}

/** The path part to read: absolute-form scheme and host dropped, length capped. */
function readablePath(path: string, pathEnd: number): string {
  const start = absoluteFormPathStart(path, pathEnd);
  return path.slice(start, Math.min(pathEnd, start + MAX_PATH_SCAN));
}

function absoluteFormPathStart(path: string, pathEnd: number): number {
  if (path.charCodeAt(0) === 0x2f) return 0; // "/": the origin form, by far the most common
  const schemeEnd = path.startsWith('://', 4) ? 7 : path.startsWith('://', 5) ? 8 : -1;
  const scheme = schemeEnd === -1 ? '' : path.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'http://' && scheme !== 'https://') return 0;
  const slash = path.indexOf('/', schemeEnd);
  return slash === -1 || slash > pathEnd ? pathEnd : slash;
}

function splitSegments(pathText: string): Segment[] {
  const segments: Segment[] = [];
  let start = 0;
  while (start < pathText.length) {
    let end = pathText.indexOf('/', start);
    if (end === -1) end = pathText.length;
    if (end > start) addSegment(segments, pathText.slice(start, end));
    start = end + 1;
  }
  return segments;
}

function addSegment(segments: Segment[], raw: string): void {
  const paramsStart = raw.indexOf(';');
  const text = paramsStart === -1 ? raw : raw.slice(0, paramsStart);
  if (text === '' || text === '.') return;
  if (text === '..') segments.pop();
  else segments.push(toSegment(text));
}

function toSegment(text: string): Segment {
  const idKind = classifySegment(text);
  if (idKind !== undefined) return { routeText: ID_PLACEHOLDER, objectId: text, idKind };
  const suffixStart = formatSuffixStart(text);
  const stem = suffixStart === -1 ? '' : text.slice(0, suffixStart);
  const stemKind = stem === '' ? undefined : classifySegment(stem);
  if (stemKind === undefined) return { routeText: text.toLowerCase() };
  const suffix = text.slice(suffixStart).toLowerCase();
  return { routeText: ID_PLACEHOLDER + suffix, objectId: stem, idKind: stemKind };
}

function buildRoute(segments: readonly Segment[]): string {
  let fullLength = 0;
  for (const segment of segments) fullLength += 1 + segment.routeText.length;
  if (fullLength === 0) return '/';
  // Room for "/:truncated" is kept so the capped route never exceeds the cap.
  const limit =
    fullLength <= MAX_ROUTE_LENGTH ? fullLength : MAX_ROUTE_LENGTH - 1 - TRUNCATED.length;
  let route = '';
  for (const segment of segments) {
    if (route.length + 1 + segment.routeText.length > limit) break;
    route += '/' + segment.routeText;
  }
  return fullLength <= MAX_ROUTE_LENGTH ? route : `${route}/${TRUNCATED}`;
}

function lastId(segments: readonly Segment[]): IdSegment | undefined {
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i];
    if (segment?.objectId !== undefined) return segment;
  }
  return undefined;
}

/** The id as a number when exact: ids beyond 2^53 - 1 would round to a neighbour. */
function safeInteger(digits: string): number | undefined {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}
