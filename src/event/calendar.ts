// Calendar arithmetic for event times, in integers and without Date: Date.UTC maps
// years 0-99 to 1900-1999 and rolls 31 February over into March, and both would turn
// a bad timestamp into a plausible one. Every function returns NaN for invalid input,
// and NaN flows through the arithmetic, so callers check once at the end.

/** Windows slide on event time; a year outside 1970..2200 is a producer bug, not a time. */
export const MIN_EVENT_MS = 0;
export const MAX_EVENT_MS = Date.UTC(2201, 0, 1) - 1;

export function isEventTimeInRange(ms: number): boolean {
  return ms >= MIN_EVENT_MS && ms <= MAX_EVENT_MS;
}

export const MS_PER_DAY = 86_400_000;

/** Reads `count` ASCII digits at `start`; NaN if any is not a digit. */
export function readDigits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (month 1-12), or NaN.
 * Howard Hinnant's days_from_civil: https://howardhinnant.github.io/date_algorithms.html
 */
export function epochDay(year: number, month: number, day: number): number {
  if (!(year >= 0 && month >= 1 && month <= 12 && day >= 1)) return NaN;
  if (day > daysInMonth(year, month)) return NaN;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100);
  return era * 146_097 + dayOfEra + dayOfYear - 719_468;
}

/** Milliseconds since midnight, or NaN. No leap second: JavaScript time has none. */
export function timeOfDayMs(hour: number, minute: number, second: number): number {
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59)) {
    return NaN;
  }
  return ((hour * 60 + minute) * 60 + second) * 1000;
}

/**
 * A UTC offset that must end the text: `Z`, `±HH`, `±HHMM` or `±HH:MM` → minutes east
 * of UTC, NaN otherwise. A missing offset is an error, never "local time".
 */
export function parseOffset(text: string, start: number): number {
  const rest = text.length - start;
  const sign = text[start];
  if (sign === 'Z' || sign === 'z') return rest === 1 ? 0 : NaN;
  if ((sign !== '+' && sign !== '-') || (rest !== 3 && rest !== 5 && rest !== 6)) return NaN;
  if (rest === 6 && text[start + 3] !== ':') return NaN;
  const hours = readDigits(text, start + 1, 2);
  const minutes = rest === 3 ? 0 : readDigits(text, start + (rest === 6 ? 4 : 3), 2);
  if (!(hours <= 23 && minutes <= 59)) return NaN;
  const total = hours * 60 + minutes;
  return sign === '-' ? -total : total;
}
