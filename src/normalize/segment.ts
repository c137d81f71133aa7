// Which path segments are object ids. Every rule is a single left-to-right scan
// over char codes (no regular expressions), so the cost is linear in the segment
// and an attacker cannot make it backtrack.
//
// The rules, tried in this order on the percent-decoded segment:
//   numeric  1+ ASCII digits                                      /users/1042
//   uuid     8-4-4-4-12 hex digits with dashes, any case          /orders/3f2c…-…
//   hex      all hex and either >= 16 long, or >= 8 long with at
//            least one digit and one letter a-f (so hex-letter
//            words like "deadbeef" or "facade" stay literal)      /commits/9fceb02d
//   email    local@domain.tld, one "@", ASCII only               /users/ann@example.com
//   token    >= 16 chars of the base64/base64url alphabet (plus
//            up to two "=" of padding) containing a run of >= 8
//            chars, between "-"/"_" separators, that mixes a
//            letter and a digit. The run rule is what tells
//            random tokens from slugs: "logstash-monitorama-2013"
//            has no such run and stays literal.                  /share/Zx3_kP9qL2mN8vRt
// Known gap: a random token with no digit at all (about 2% of 22-char base64url
// tokens) stays literal, since without a digit it cannot be told from CamelCase words.

/** The kind of an object id found in a path segment. */
export type IdKind = 'numeric' | 'uuid' | 'hex' | 'token' | 'email';

const MIN_HEX_LENGTH = 8;
const MIN_PURE_HEX_LENGTH = 16;
const UUID_LENGTH = 36;
const MIN_TOKEN_LENGTH = 16;
const MIN_TOKEN_MIXED_RUN = 8;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHexLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function isHexDigit(code: number): boolean {
  return isDigit(code) || isHexLetter(code);
}

function isDigits(segment: string): boolean {
  if (segment.length === 0) return false;
  for (let i = 0; i < segment.length; i++) {
    if (!isDigit(segment.charCodeAt(i))) return false;
  }
  return true;
}

function isUuid(segment: string): boolean {
  if (segment.length !== UUID_LENGTH) return false;
  for (let i = 0; i < UUID_LENGTH; i++) {
    const code = segment.charCodeAt(i);
    const ok = i === 8 || i === 13 || i === 18 || i === 23 ? code === 0x2d : isHexDigit(code);
    if (!ok) return false;
  }
  return true;
}

function isHexId(segment: string): boolean {
  if (segment.length < MIN_HEX_LENGTH) return false;
  let digits = 0;
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (isDigit(code)) digits++;
    else if (!isHexLetter(code)) return false;
  }
  const mixed = digits > 0 && digits < segment.length;
  return segment.length >= MIN_PURE_HEX_LENGTH || mixed;
}

// Local part: RFC 5322 "atext" and dots, minus "%" (so no id ever holds an escape).
const EMAIL_LOCAL_PUNCTUATION = new Set(Array.from(".!#$&'*+=?^_`{|}~-", (c) => c.charCodeAt(0)));

function isEmailLocalChar(code: number): boolean {
  return isDigit(code) || isAsciiLetter(code) || EMAIL_LOCAL_PUNCTUATION.has(code);
}

function isDomain(segment: string, start: number): boolean {
  let labelLength = 0;
  let dots = 0;
  for (let i = start; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code === 0x2e) {
      if (labelLength === 0) return false;
      dots++;
      labelLength = 0;
    } else if (isDigit(code) || isAsciiLetter(code) || code === 0x2d) labelLength++;
    else return false;
  }
  return dots > 0 && labelLength > 0;
}

function isEmail(segment: string): boolean {
  const at = segment.indexOf('@');
  if (at < 1) return false;
  for (let i = 0; i < at; i++) {
    if (!isEmailLocalChar(segment.charCodeAt(i))) return false;
  }
  return isDomain(segment, at + 1);
}

function tokenEnd(segment: string): number {
  let end = segment.length;
  while (end > segment.length - 2 && segment.charCodeAt(end - 1) === 0x3d) end--;
  return end;
}

function isToken(segment: string): boolean {
  if (segment.length < MIN_TOKEN_LENGTH) return false;
  let run = 0;
  let runDigit = false;
  let runLetter = false;
  let mixedRun = false;
  for (let i = 0, end = tokenEnd(segment); i < end; i++) {
    const code = segment.charCodeAt(i);
    if (code === 0x2d || code === 0x5f) {
      run = 0;
      runDigit = runLetter = false;
      continue;
    }
    if (isDigit(code)) runDigit = true;
    else if (isAsciiLetter(code)) runLetter = true;
    else if (code !== 0x2b) return false; // "+" belongs to standard base64
    run++;
    mixedRun ||= run >= MIN_TOKEN_MIXED_RUN && runDigit && runLetter;
  }
  return mixedRun;
}

/** The id kind of one decoded path segment, or undefined when it is a literal word. */
export function classifySegment(segment: string): IdKind | undefined {
  if (isDigits(segment)) return 'numeric';
  if (isUuid(segment)) return 'uuid';
  if (isHexId(segment)) return 'hex';
  if (isEmail(segment)) return 'email';
  if (isToken(segment)) return 'token';
  return undefined;
}
