// Event time from text, scanned by hand. Date.parse is not used on input: it accepts
// many non-ISO shapes ("May 17 2015"; no timezone means the host's local time), so the
// same record could mean different instants on different hosts. Both parsers return
// epoch milliseconds, or NaN when the text is not a valid time; range is checked apart.
import { MS_PER_DAY, epochDay, parseOffset, readDigits, timeOfDayMs } from './calendar.js';

/**
 * ISO 8601 / RFC 3339 date-time with an offset: `2015-05-17T10:05:03Z`,
 * `…T10:05:03.123456+02:00`, `…T10:05+0200`, `…T10:05:03,5-05`, `t` or ` ` separator.
 * Fraction digits beyond milliseconds are dropped (truncated, not rounded).
 */
export function parseIsoTime(text: string): number {
  if (text.length < 17 || text.length > 64) return NaN;
  if (text[4] !== '-' || text[7] !== '-' || text[13] !== ':') return NaN;
  if (text[10] !== 'T' && text[10] !== 't' && text[10] !== ' ') return NaN;
  const day = epochDay(readDigits(text, 0, 4), readDigits(text, 5, 2), readDigits(text, 8, 2));
  let i = 16;
  let second = 0;
  let fraction = 0;
  if (text[i] === ':') {
    second = readDigits(text, i + 1, 2);
    i += 3;
    // A fraction only after seconds: in `10:05.5` it would be a fraction of a minute.
    if (text[i] === '.' || text[i] === ',') {
      const digitsEnd = skipDigits(text, i + 1);
      fraction = digitsEnd > i + 1 ? fractionMs(text, i + 1, digitsEnd) : NaN;
      i = digitsEnd;
    }
  }
  const time = timeOfDayMs(readDigits(text, 11, 2), readDigits(text, 14, 2), second);
  return day * MS_PER_DAY + time + fraction - parseOffset(text, i) * 60_000;
}

function skipDigits(text: string, start: number): number {
  let i = start;
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  return i;
}

/** The first three fraction digits as milliseconds (`.5` → 500, `.123456` → 123). */
function fractionMs(text: string, start: number, end: number): number {
  let ms = 0;
  for (let i = start; i < start + 3; i++) {
    ms = ms * 10 + (i < end ? text.charCodeAt(i) - 48 : 0);
  }
  return ms;
}

/** Length of `17/May/2015:10:05:03 +0000`, the time inside `[…]` of a combined line. */
export const LOG_TIME_CHARS = 26;

// 'Jan' → 1 …, keyed by the three character codes so no substring is made per line.
const MONTHS = new Map<number, number>(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map(
    (name, index) => [monthKey(name, 0), index + 1],
  ),
);

function monthKey(text: string, at: number): number {
  return (text.charCodeAt(at) << 16) | (text.charCodeAt(at + 1) << 8) | text.charCodeAt(at + 2);
}

/** Apache `%t` / nginx `$time_local` at `start`, without brackets → epoch ms or NaN. */
export function parseLogTime(text: string, start: number): number {
  const p = start;
  if (text[p + 2] !== '/' || text[p + 6] !== '/' || text[p + 11] !== ':') return NaN;
  if (text[p + 14] !== ':' || text[p + 17] !== ':' || text[p + 20] !== ' ') return NaN;
  const month = MONTHS.get(monthKey(text, p + 3)) ?? NaN;
  const day = epochDay(readDigits(text, p + 7, 4), month, readDigits(text, p, 2));
  const hour = readDigits(text, p + 12, 2);
  const time = timeOfDayMs(hour, readDigits(text, p + 15, 2), readDigits(text, p + 18, 2));
  return day * MS_PER_DAY + time - logTimeOffset(text, p + 21) * 60_000;
}

/** `+hhmm` / `-hhmm` → minutes east of UTC, or NaN. */
function logTimeOffset(text: string, at: number): number {
  const sign = text[at];
  const hours = readDigits(text, at + 1, 2);
  const minutes = readDigits(text, at + 3, 2);
  if ((sign !== '+' && sign !== '-') || !(hours <= 23 && minutes <= 59)) return NaN;
  return sign === '-' ? -(hours * 60 + minutes) : hours * 60 + minutes;
}
