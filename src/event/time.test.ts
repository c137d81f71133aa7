import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_MS, epochDay, isEventTimeInRange } from './calendar.js';
import { parseIsoTime, parseLogTime } from './time.js';

const T = Date.UTC(2015, 4, 17, 10, 5, 3);

describe('parseIsoTime', () => {
  it.each([
    ['2015-05-17T10:05:03Z', T],
    ['2015-05-17t10:05:03z', T],
    ['2015-05-17 10:05:03Z', T],
    ['2015-05-17T10:05:03.123Z', T + 123],
    ['2015-05-17T10:05:03.5Z', T + 500],
    ['2015-05-17T10:05:03.123999999Z', T + 123],
    ['2015-05-17T10:05:03,25Z', T + 250],
    ['2015-05-17T12:05:03+02:00', T],
    ['2015-05-17T12:05:03+0200', T],
    ['2015-05-17T05:05:03-05', T],
    ['2015-05-17T10:05Z', T - 3000],
    ['2016-02-29T00:00:00Z', Date.UTC(2016, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
  ])('reads %s', (text, expected) => {
    expect(parseIsoTime(text)).toBe(expected);
  });

  it.each([
    '2015-05-17T10:05:03', // no timezone: would be the host's local time
    '2015-05-17',
    '2015-05-17T10:05:03.Z',
    '2015-05-17T10:05.5Z', // a fraction of a minute
    '2015-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2015-04-31T00:00:00Z',
    '2015-13-01T00:00:00Z',
    '2015-05-17T24:00:00Z',
    '2015-05-17T10:60:00Z',
    '2015-05-17T23:59:60Z', // leap second: JavaScript time has none
    '2015-05-17T10:05:03+24:00',
    '2015-05-17T10:05:03+02:60',
    '2015-05-17T10:05:03 +02:00',
    '2015-05-17T10:05:03Zjunk',
    '+2015-05-17T10:05:03Z',
    'May 17 2015 10:05:03 GMT',
    '２０１５-05-17T10:05:03Z',
  ])('rejects %s', (text) => {
    expect(parseIsoTime(text)).toBeNaN();
  });

  it('agrees with Date for every millisecond 1970..2200 and every offset', () => {
    const offsets = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_EVENT_MS }), offsets, (ms, offset) => {
        const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
        const sign = offset < 0 ? '-' : '+';
        const abs = Math.abs(offset);
        const hh = String(Math.floor(abs / 60)).padStart(2, '0');
        const mm = String(abs % 60).padStart(2, '0');
        expect(parseIsoTime(`${local}${sign}${hh}:${mm}`)).toBe(ms);
      }),
    );
  });
});

describe('parseLogTime', () => {
  it('reads the combined log time with any offset', () => {
    expect(parseLogTime('17/May/2015:10:05:03 +0000', 0)).toBe(T);
    expect(parseLogTime('17/May/2015:12:35:03 +0230', 0)).toBe(T);
    expect(parseLogTime('[17/May/2015:00:05:03 -1000]', 1)).toBe(T);
  });

  it.each([
    '17/may/2015:10:05:03 +0000',
    '31/Apr/2015:10:05:03 +0000',
    '17/May/2015:10:05:03 0000',
    '17/May/2015:10:05:03 +2400',
    '17-May-2015:10:05:03 +0000',
    '7/May/2015:10:05:03 +0000',
    '17/May/2015:10:05:0',
  ])('rejects %s', (text) => {
    expect(parseLogTime(text, 0)).toBeNaN();
  });
});

describe('calendar', () => {
  it('counts days like Date.UTC, including years before 100 that Date.UTC remaps', () => {
    expect(epochDay(1970, 1, 1)).toBe(0);
    expect(epochDay(2200, 12, 31) * 86_400_000).toBe(Date.UTC(2200, 11, 31));
    expect(epochDay(70, 1, 1)).toBeLessThan(0);
    expect(epochDay(2015, 2, 29)).toBeNaN();
  });

  it('accepts the years 1970 to 2200 only', () => {
    expect(isEventTimeInRange(0)).toBe(true);
    expect(isEventTimeInRange(-1)).toBe(false);
    expect(isEventTimeInRange(MAX_EVENT_MS)).toBe(true);
    expect(isEventTimeInRange(MAX_EVENT_MS + 1)).toBe(false);
    expect(isEventTimeInRange(NaN)).toBe(false);
  });
});
