// Field limits and checks shared by every input format, so a canonical event, an ECS
// event and a combined log line for the same request give the same AccessEvent.
import { isIP } from 'node:net';
import { compactPath } from '../request-path/index.js';

/**
 * Largest record parsed at all (1 MiB, Kafka's default record size); anything bigger is
 * rejected before decoding. Below it, over-long fields are truncated (see below), so
 * padding a request cannot push its record out of detection. JSON.parse of a 1 MiB
 * record costs about a millisecond: an attacker pays a request per record for it.
 */
export const MAX_RAW_BYTES = 1024 * 1024;
export const MAX_METHOD_CHARS = 32;
/** Longest IP text: a full IPv6 with an embedded IPv4 is 45; room for a zone id. */
export const MAX_IP_CHARS = 64;
export const MAX_IDENTIFIER_CHARS = 512;
/**
 * Paths and user agents are attacker-controlled. Over-long ones are truncated, not
 * rejected: a rejected event counts in no window, so rejecting would let an attacker
 * switch detection off by padding every request.
 */
export const MAX_PATH_CHARS = 8192;
export const MAX_USER_AGENT_CHARS = 1024;

// RFC 9110 §5.6.2 tchar: "!#$%&'*+-.^_`|~", digits, letters.
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TOKEN_CHARS[c.charCodeAt(0)] = 1;
}

/** An HTTP method: 1 to 32 token characters, checked without a regex. */
export function isHttpMethod(text: string): boolean {
  if (text.length === 0 || text.length > MAX_METHOD_CHARS) return false;
  for (let i = 0; i < text.length; i++) {
    if (TOKEN_CHARS[text.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

/**
 * Methods are case-sensitive in HTTP (RFC 9110 §9.1), but servers and frameworks route
 * `get` as GET; rules name them upper-case, so every format upper-cases them. Most
 * methods are upper-case already: checked first, no new string.
 */
export function upperCaseMethod(method: string): string {
  for (let i = 0; i < method.length; i++) {
    const c = method.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) return method.toUpperCase();
  }
  return method;
}

export function isIpAddress(text: string): boolean {
  return text.length <= MAX_IP_CHARS && isIP(text) !== 0;
}

/**
 * The path (with query) of a request target: origin-form `/a?b` as is; absolute-form
 * `http://host/a?b` (proxies, ECS `url.original`) reduced to `/a?b`. Returns undefined
 * for anything else (`*`, authority-form, garbage, empty). Capped at MAX_PATH_CHARS.
 */
export function requestPath(target: string): string | undefined {
  if (target.charCodeAt(0) === 0x2f /* / */) return capPath(target);
  const schemeEnd = absoluteFormSchemeEnd(target);
  if (schemeEnd < 0) return undefined;
  const pathStart = target.indexOf('/', schemeEnd);
  const queryStart = target.indexOf('?', schemeEnd);
  if (pathStart < 0 && queryStart < 0) return '/';
  if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart)) {
    return capPath(`/${target.slice(queryStart)}`);
  }
  return capPath(target.slice(pathStart));
}

/**
 * A path over MAX_PATH_CHARS is compacted before it is cut (request-path/compact.ts: dot
 * segments resolved, empty segments, params and spaces dropped): cutting the raw text
 * would let padding that servers discard (4,100 `/./`) push the id past the cap.
 */
function capPath(path: string): string {
  if (path.length <= MAX_PATH_CHARS) return path;
  return truncate(compactPath(path, MAX_PATH_CHARS), MAX_PATH_CHARS);
}

/** Index just past `http://` or `https://` (any case), or -1. */
function absoluteFormSchemeEnd(target: string): number {
  const lower = target.slice(0, 8).toLowerCase();
  if (lower.startsWith('http://')) return 7;
  if (lower.startsWith('https://')) return 8;
  return -1;
}

export function truncate(text: string, maxChars: number): string {
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}
