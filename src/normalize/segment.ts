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
//   prefixed a business key: a code, then a number (issue 14 item 2)    /invoices/INV-2026-000123
//            2-6 groups of 1-16 ASCII letters/digits split by single
//            "-" or "_", the first starting with a letter, the last
//            all digits (1-15), and every group holding a letter a
//            "code": either no lowercase letter anywhere in the
//            segment (INV-2026-000123, EMP_00042, FR-0093-000045,
//            PROJ-1, ACCOUNT-77), or at most 2 codes of at most 4
//            characters and a last group of at least 3 digits (the
//            same keys lowercased, inv-2026-000123, as a server with
//            a case-insensitive collation finds them). Or 1-4
//            letters glued to 5-12 digits (EMP00042). Slugs stay
//            literal: their words are lowercase, longer or more
//            ("logstash-puppetconf-2012", "logstash-1", "grok-1",
//            "week-of-unix-day-5", "user-settings", "top-10"), and
//            "api_v2", "v1", "h264", "rfc2616" do not end in a digit
//            group of the right kind. A short word before a long
//            number ("fex-20070729", "iso-8601") reads as an id: like
//            the dates of segment-id.ts, such numbers repeat and add
//            no lockouts. Its number (route.ts: numericId) is the
//            LAST digit group: INV-2026-000123, -000124 … walk.
// Known gap: a random token with no digit at all (about 2% of 22-char base64url
// tokens) stays literal, since without a digit it cannot be told from CamelCase words.
// Known gap: a prefixed id whose whole text is hex (`ABC00042`, 8 hex characters) is
// read as hex, with no number: object-breadth still counts it.

/** The kind of an object id found in a path segment. */
export type IdKind = 'numeric' | 'uuid' | 'hex' | 'token' | 'email' | 'prefixed';

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
  // Most words do not end in a digit: checked here, they cost no call.
  if (isDigit(segment.charCodeAt(segment.length - 1)) && isPrefixed(segment)) return 'prefixed';
  return undefined;
}

const MAX_PREFIXED_GROUPS = 6;
const MAX_GROUP_LENGTH = 16;
const MAX_SHORT_CODE_LENGTH = 4;
const MAX_ID_DIGITS = 15;
const MAX_GLUED_DIGITS = 12;
const MIN_GLUED_DIGITS = 5;
const MAX_LOWERCASE_CODES = 2;
const MIN_LOWERCASE_ID_DIGITS = 3;

function isLowercaseLetter(code: number): boolean {
  return code >= 0x61 && code <= 0x7a;
}

/** See the header: a code, then a number. One scan; rejects most words on the last char. */
function isPrefixed(segment: string): boolean {
  const length = segment.length;
  if (length < 2 || !isDigit(segment.charCodeAt(length - 1))) return false;
  if (!isAsciiLetter(segment.charCodeAt(0))) return false;
  let groups = 1;
  let groupLength = 0;
  let groupLetters = 0;
  let codes = 0;
  let longCode = false;
  let lowercase = false;
  for (let i = 0; i < length; i++) {
    const code = segment.charCodeAt(i);
    if (code === 0x2d || code === 0x5f) {
      if (groupLength === 0 || ++groups > MAX_PREFIXED_GROUPS) return false;
      if (groupLetters > 0) {
        codes++;
        longCode ||= groupLength > MAX_SHORT_CODE_LENGTH;
      }
      groupLength = groupLetters = 0;
      continue;
    }
    if (isAsciiLetter(code)) {
      groupLetters++;
      lowercase ||= isLowercaseLetter(code);
      // Early out for slugs ("logstash-…"): a lowercase segment allows no long code.
      if (lowercase && (longCode || groupLetters > MAX_SHORT_CODE_LENGTH)) return false;
    } else if (!isDigit(code)) return false;
    if (++groupLength > MAX_GROUP_LENGTH) return false;
  }
  if (groups === 1) return isGluedCode(segment);
  // The last group ends in a digit (checked above); it must be all digits.
  if (groupLetters > 0 || groupLength > MAX_ID_DIGITS) return false;
  if (!lowercase) return true;
  return codes <= MAX_LOWERCASE_CODES && !longCode && groupLength >= MIN_LOWERCASE_ID_DIGITS;
}

/** 1-4 letters then 5-12 digits, nothing else: `EMP00042`. */
function isGluedCode(segment: string): boolean {
  let letters = 0;
  while (letters < segment.length && isAsciiLetter(segment.charCodeAt(letters))) letters++;
  const digits = segment.length - letters;
  if (letters > MAX_SHORT_CODE_LENGTH || digits < MIN_GLUED_DIGITS || digits > MAX_GLUED_DIGITS) {
    return false;
  }
  for (let i = letters; i < segment.length; i++) {
    if (!isDigit(segment.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * The number of a prefixed id (classifySegment gave 'prefixed'): its last digit group,
 * when a safe integer. `INV-2026-000123` → 123; `EMP00042` → 42.
 */
export function prefixedNumber(objectId: string): number | undefined {
  let start = objectId.length;
  while (start > 0 && isDigit(objectId.charCodeAt(start - 1))) start--;
  if (start === objectId.length) return undefined;
  const value = Number(objectId.slice(start));
  return Number.isSafeInteger(value) ? value : undefined;
}
