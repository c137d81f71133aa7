// A long request path made short without changing what it names, for the parse
// stage's cap on path length (event/fields.ts): a cap that cut the raw text would let
// an attacker push the id past it with padding that servers discard (4,100 `/./`
// before `api/users/7`, or `x/../` pairs, or spaces after the id). Compacted first,
// the path keeps only what the route and the id are read from.
import { pathEnd, pathStart, readSegments } from './path-reader.js';
import { decodePercent } from './percent.js';

/**
 * The path with its segments read as normalizePath reads them (percent-decoded,
 * dot segments resolved, padding dropped), written back with the characters that
 * would be read differently escaped, followed by the query and fragment unchanged.
 * normalizePath gives the same route, object id, query and static flag for both.
 * Writing stops once the path part reaches `maxChars` (the caller's cap, which
 * cuts it there anyway), so a hostile megabyte costs one read, not a rewrite.
 */
export function compactPath(target: string, maxChars = Number.POSITIVE_INFINITY): string {
  const end = pathEnd(target);
  const path = decodePercent(target.slice(pathStart(target, end), end));
  const { segments, cut } = readSegments(path, asIs);
  // A cut read dropped segments past MAX_SEGMENTS: one more keeps the route truncated.
  if (cut) segments.push(OVERFLOW_SEGMENT);
  let compact = '';
  for (const segment of segments) {
    const room = maxChars - compact.length - 1;
    if (room < 0) break;
    compact += `/${escapeSegment(segment.length > room ? segment.slice(0, room) : segment)}`;
  }
  return (compact === '' ? '/' : compact) + target.slice(end);
}

function asIs(text: string): string {
  return text;
}

/** Any segment that is not dropped: it only has to be the (MAX_SEGMENTS + 1)-th. */
const OVERFLOW_SEGMENT = '-';

// Characters that end or split a segment, or start an escape, once the text is read
// again: % / \ ? # ; (";" cannot remain after reading, but costs nothing to list).
const ESCAPED = new Uint8Array(128);
for (const c of '%/\\?#;') ESCAPED[c.charCodeAt(0)] = 1;

function escapeSegment(text: string): string {
  let escaped = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || ESCAPED[code] !== 1) continue;
    escaped += `${text.slice(copied, i)}%${code.toString(16).toUpperCase()}`;
    copied = i + 1;
  }
  return copied === 0 ? text : escaped + text.slice(copied);
}
