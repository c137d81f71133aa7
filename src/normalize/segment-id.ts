// The object id a backend reads in a cleaned path segment (path-reader.ts), dressed or
// not. The route never keeps what follows an id: `/users/1042.json` and
// `/users/1042-x` are the route `/users/:id`, object 1042, like `/users/1042`.
//
// In order:
//  1. The whole segment is an id (segment.ts): numeric, uuid, hex, email or token.
//  2. An id followed by a format suffix (extension.ts: `.json`, `.tar.gz`, `.fa`):
//     the stem. Rails, Spring and Django REST serve one record in several formats,
//     so the format never makes a new route: with it, 8 formats in turn would make
//     8 routes whose ids are 8 apart, and 40 made-up ones 40 routes.
//  3. A decimal number at the start, after at most one "+": what Ruby's `to_i`
//     (Rails' `find`), PHP's `(int)`, JavaScript's `parseInt` and MySQL's
//     string-to-integer comparison read, whatever follows. `1234-x`, `+1234`,
//     `1234.5`, `1234abc`, and Rails' own slugs `1234-my-title`, are the record 1234.
//     Strict routers (Django `<int:id>`, Spring `Long`, Go `strconv`) answer 404 to
//     these, so reading them as ids costs nothing there. What else starts with
//     digits is read this way too: dates (`2024-01-05` is 2024), versions (`1.2.3`
//     is 1), words like `2fa`, short commit hashes like `9fceb02`. Their numbers
//     repeat and cluster (years, majors), which no enumeration rule counts twice, so
//     they add no lockouts; a route template reads `/v1/:id` instead of the date.
// Known gap: a dressing that makes the whole segment another kind of id (`1234abcd`
// is 8 hex characters, `1234@x.io` an email) is read as that id, so the numeric
// enumeration rules do not see it; object-breadth still counts it.
import { formatSuffixStart } from './extension.js';
import { classifySegment, type IdKind } from './segment.js';

/** An object id read from a segment. */
export interface SegmentId {
  readonly objectId: string;
  readonly idKind: IdKind;
}

const PLUS = 0x2b;

/**
 * The id in a cleaned segment that is not an id as a whole (classifySegment, step 1,
 * is the caller's: the common case allocates nothing here), or undefined when the
 * segment is a literal word.
 */
export function dressedId(text: string): SegmentId | undefined {
  const suffixStart = formatSuffixStart(text);
  if (suffixStart > 0) {
    const stem = text.slice(0, suffixStart);
    const stemKind = classifySegment(stem);
    if (stemKind !== undefined) return { objectId: stem, idKind: stemKind };
  }
  const digits = leadingNumber(text);
  return digits === undefined ? undefined : { objectId: digits, idKind: 'numeric' };
}

/** The decimal digits at the start of `text`, after at most one "+"; undefined if none. */
function leadingNumber(text: string): string | undefined {
  const start = text.charCodeAt(0) === PLUS ? 1 : 0;
  let end = start;
  while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  return end === start ? undefined : text.slice(start, end);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
