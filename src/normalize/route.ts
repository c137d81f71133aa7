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
//     id segment. Business keys such as `INV-2026-000123` or `EMP_00042` are ids of
//     kind 'prefixed' (segment.ts): the whole segment is the object, its LAST digit
//     group the number (123, 42), so INV-2026-000123, -000124 … walk in sequence. The
//     code is not part of the sequence: a walk alternating INV- and CRN- numbers on
//     one route is one walk (one backend table keyed by the number, or two tables
//     walked together), at the cost of two unrelated series on one route looking
//     close by chance, which a person opening a few records never sustains.
//  5. Literal segments are lowercased. Paths are case-sensitive in general, but
//     no real API has two routes differing only by case, while case-insensitive
//     servers (IIS, some frameworks) would let `/API/Users/1` evade a rule.
//     Object ids keep their case: tokens are case-sensitive.
//  6. The route is capped at MAX_ROUTE_LENGTH characters, cut between segments
//     and ended with "/:truncated", so a cut never leaves a half segment.
//  7. A path with no id at all reads its id from the query (`/api/user?id=123`,
//     `/invoice?customerId=7`): parameters named `id` or ending in "id" (query.ts:
//     idParamName; compared decoded and lowercased, so `ID`, `i%64` and `userid` count;
//     session, tracker, trace and feed-cursor names do not), whose decoded value, outer
//     spaces trimmed, is an id as a segment would be (`%35`, `+5` and `0005` are 5).
//     The route records the names, lowercase and sorted: `/api/user?id=:id`, unlike
//     the list `/api/user`. Several id values (`?id=1&id=2`, `?tenantId=1&invoiceId=9`)
//     give one object, the values sorted by name then id and joined with ",", whose
//     number is their SUM: servers differ on which repeat they read (PHP, Rails and
//     Django the last; Go, Flask and Spring the first), and a constant decoy beside
//     the walked value, in either place, shifts the sum but leaves the walk a walk.
//     Known gaps: a RANDOM decoy beside the walked value hides the walk from the
//     enumeration rules (object-breadth still counts each pair); a path that has an id
//     never reads the query (`/accounts/45/statements?statementId=9` is account 45),
//     so that a made-up `?x_id=1` cannot hide a path walk.
//     Enumeration follows `idSpaceRoute(route)`: `/api/user?id=:id` walks with
//     `/api/user/:id`, so moving the id between path and query splits nothing.
import { isStaticAsset } from './extension.js';
import { decodePercent, pathEnd, pathStart, readSegments } from '../request-path/index.js';
import { idParamName, visitQueryParamsWhere } from './query.js';
import { dressedId } from './segment-id.js';
import { classifySegment, prefixedNumber, type IdKind } from './segment.js';
import { routeText } from './route-texts.js';

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
  const route = routeText(buildRoute(segments, cut));
  const isStatic = last !== undefined && isStaticAsset(last.text ?? last.routeText);
  const id = lastId(segments);
  if (id === undefined) {
    const fromQuery = query === '' ? undefined : queryId(query);
    if (fromQuery === undefined) return { route, query, isStatic };
    const { objectId, idKind, numericId } = fromQuery;
    const withId = routeText(withQueryIds(route, fromQuery.names));
    return numericId === undefined
      ? { route: withId, objectId, idKind, query, isStatic }
      : { route: withId, objectId, idKind, numericId, query, isStatic };
  }
  const { objectId, idKind } = id;
  const numericId = numberOf(objectId, idKind);
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

/** The number rules walk over: a numeric id itself, a prefixed id's last digit group. */
function numberOf(objectId: string, idKind: IdKind): number | undefined {
  if (idKind === 'numeric') return safeInteger(objectId);
  return idKind === 'prefixed' ? prefixedNumber(objectId) : undefined;
}

/** The object id read from the query when the path has none (step 7). */
interface QueryId {
  /** Distinct id parameter names, lowercase, sorted. */
  readonly names: readonly string[];
  readonly objectId: string;
  readonly idKind: IdKind;
  readonly numericId?: number;
}

interface QueryIdValue {
  readonly name: string;
  readonly objectId: string;
  readonly idKind: IdKind;
}

const MAX_ROUTE_QUERY_NAMES = 4;
const MAX_QUERY_IDS = 16;

function queryId(query: string): QueryId | undefined {
  let values: QueryIdValue[] | undefined;
  let seen = 0;
  visitQueryParamsWhere(query, idParamName, (name, value) => {
    const id = valueId(value);
    if (id === undefined || ++seen > MAX_QUERY_IDS) return;
    (values ??= []).push({ name, objectId: id.objectId, idKind: id.idKind });
  });
  if (values === undefined) return undefined;
  if (values.length === 1) {
    const [only] = values as [QueryIdValue];
    const numericId = numberOf(only.objectId, only.idKind);
    return { names: [only.name], objectId: only.objectId, idKind: only.idKind, numericId };
  }
  // Sorted by name then id, so the order of the parameters changes nothing.
  values.sort((a, b) =>
    a.name !== b.name ? (a.name < b.name ? -1 : 1) : a.objectId < b.objectId ? -1 : 1,
  );
  let numericId: number | undefined = 0;
  const names: string[] = [];
  for (const value of values) {
    if (names[names.length - 1] !== value.name) names.push(value.name);
    const number = numberOf(value.objectId, value.idKind);
    numericId = number === undefined || numericId === undefined ? undefined : numericId + number;
  }
  if (numericId !== undefined && !Number.isSafeInteger(numericId)) numericId = undefined;
  const first = values[0]!;
  const objectId = values.map((value) => value.objectId).join(',');
  return { names, objectId, idKind: first.idKind, numericId };
}

/** A query value read as a path segment would be, after outer spaces (`+5` → " 5"). */
function valueId(value: string): { objectId: string; idKind: IdKind } | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  const idKind = classifySegment(text);
  return idKind === undefined ? dressedId(text) : { objectId: text, idKind };
}

/** `/api/user` and [id] → `/api/user?id=:id`, within MAX_ROUTE_LENGTH. */
function withQueryIds(route: string, names: readonly string[]): string {
  let withIds = route;
  let separator = '?';
  for (const name of names.slice(0, MAX_ROUTE_QUERY_NAMES)) {
    const part = `${separator}${name}=${ID_PLACEHOLDER}`;
    if (withIds.length + part.length > MAX_ROUTE_LENGTH) break;
    withIds += part;
    separator = '&';
  }
  return withIds;
}

/**
 * The id space of a route, for rules that follow a walk over it (enumeration): a
 * route whose id came from the query, `/api/users?id=:id`, is the route with the id
 * in the path, `/api/users/:id`, so a walk moved back and forth between the path and
 * the query stays one walk. Other routes are themselves.
 */
export function idSpaceRoute(route: string): string {
  const mark = route.indexOf('?');
  if (mark === -1) return route;
  const path = route.slice(0, mark);
  return routeText(path === '/' ? `/${ID_PLACEHOLDER}` : `${path}/${ID_PLACEHOLDER}`);
}

/** The id as a number when exact: ids beyond 2^53 - 1 would round to a neighbour. */
function safeInteger(digits: string): number | undefined {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}
