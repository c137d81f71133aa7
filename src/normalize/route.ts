// Route templates and object ids: `GET /api/users/1042?x=1` → `/api/users/:id`,
// object 1042. Rules key their windows on the route and count the object ids.
//
// Steps, each chosen so that the spellings a server treats as one resource give
// one route (otherwise an attacker splits one enumeration over many routes):
//  1. Split off the query at the first "?" (and drop a "#fragment"); accept the
//     absolute form `http://host/path` of proxy requests by dropping scheme and host.
//  2. Percent-decode the whole path once, without throwing (percent.ts), before
//     splitting on "/", as nginx does: `%31%30%34%32` is 1042 to the backend.
//  3. Read the segments (path-reader.ts): "/" and "\" split; params, NULs, outer
//     spaces and trailing dots go; "", "." and ".." are resolved over the whole path.
//  4. Id segments become ":id", dressings and format suffixes dropped (segment-id.ts):
//     `1042.json`, `+1042`, `1042-x` → `:id`, object 1042. The object id is the LAST
//     id segment.
//  5. Literal segments are lowercased. Paths are case-sensitive in general, but
//     no real API has two routes differing only by case, while case-insensitive
//     servers (IIS, some frameworks) would let `/API/Users/1` evade a rule.
//     Object ids keep their case: tokens are case-sensitive.
//  6. The route is capped at MAX_ROUTE_LENGTH characters, cut between segments
//     and ended with "/:truncated", so a cut never leaves a half segment.
import { isStaticAsset } from './extension.js';
import { decodePercent, pathEnd, pathStart, readSegments } from '../request-path/index.js';
import { dressedId } from './segment-id.js';
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

/** A path segment that is an object id. */
interface IdSegment {
  readonly routeText: typeof ID_PLACEHOLDER;
  readonly objectId: string;
  readonly idKind: IdKind;
  /** The segment as read (`1042.webp`), for the static check of the last segment. */
  readonly text: string;
}

/** A literal path segment: its lowercase text is part of the route. */
interface LiteralSegment {
  readonly routeText: string;
  readonly objectId?: undefined;
  readonly idKind?: undefined;
  readonly text?: undefined;
}

type Segment = IdSegment | LiteralSegment;

/** Normalizes a request path with optional query. Never throws, whatever the input. */
export function normalizePath(path: string): NormalizedPath {
  const end = pathEnd(path);
  const query = path.charCodeAt(end) === QUESTION_MARK ? queryText(path, end) : '';
  const pathText = decodePercent(path.slice(pathStart(path, end), end));
  const { segments, cut } = readSegments(pathText, toSegment);
  const last = segments[segments.length - 1];
  const route = buildRoute(segments, cut);
  const isStatic = last !== undefined && isStaticAsset(last.text ?? last.routeText);
  const id = lastId(segments);
  if (id === undefined) return { route, query, isStatic };
  const { objectId, idKind } = id;
  const numericId = idKind === 'numeric' ? safeInteger(objectId) : undefined;
  return numericId === undefined
    ? { route, objectId, idKind, query, isStatic }
    : { route, objectId, idKind, numericId, query, isStatic };
}

const QUESTION_MARK = 0x3f;

function queryText(path: string, queryStart: number): string {
  const fragmentStart = path.indexOf('#', queryStart);
  return path.slice(queryStart + 1, fragmentStart === -1 ? path.length : fragmentStart);
}

function toSegment(text: string): Segment {
  const idKind = classifySegment(text);
  if (idKind !== undefined) return { routeText: ID_PLACEHOLDER, objectId: text, idKind, text };
  const id = dressedId(text);
  if (id === undefined) return { routeText: text.toLowerCase() };
  return { routeText: ID_PLACEHOLDER, objectId: id.objectId, idKind: id.idKind, text };
}

function buildRoute(segments: readonly Segment[], cut: boolean): string {
  let fullLength = cut ? MAX_ROUTE_LENGTH + 1 : 0;
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
