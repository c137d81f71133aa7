import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccessEvent, parseEvent, peekEventTime } from '../event/index.js';
import { sourceLineOf } from '../source/files.js';
import type { SplitLine } from '../source/line-splitter.js';
import { EventOrder, MAX_HELD_LINE_CHARS } from './event-order.js';
import { HeldLines } from './held-lines.js';
import { ReorderBuffer } from './reorder.js';

const T0 = Date.UTC(2026, 0, 5, 8);
const FILE = 'access.log';

/** `10.0.n.1 - - [05/Jan/2026:08:00:07 +0000] "GET /api/users/n HTTP/1.1" 200 12`. */
function combined(offsetMs: number, n: number, status: number): string {
  const seconds = String(Math.floor(offsetMs / 1000)).padStart(2, '0');
  return `10.0.${n % 200}.1 - - [05/Jan/2026:08:00:${seconds} +0000] "GET /api/users/${n} HTTP/1.1" ${status} 12`;
}

/** One line of a log, made from a time offset and a kind. */
function lineOf(kind: number, offsetMs: number, n: number): SplitLine {
  const ts = new Date(T0 + offsetMs).toISOString();
  const fields = { ip: `10.0.${n % 200}.1`, method: 'GET', path: `/api/users/${n}`, status: 200 };
  switch (kind) {
    case 0: // canonical, time first: held unparsed
      return { kind: 'line', text: JSON.stringify({ ts, ...fields }) };
    case 1: // time elsewhere: parsed at once
      return { kind: 'line', text: JSON.stringify({ ...fields, ts }) };
    case 2: // epoch milliseconds: parsed at once
      return { kind: 'line', text: JSON.stringify({ ts: T0 + offsetMs, ...fields }) };
    case 3: // time first, invalid status: found invalid once it is parsed
      return { kind: 'line', text: JSON.stringify({ ts, ...fields, status: 99 }) };
    case 4: // time first, cut short: not JSON
      return { kind: 'line', text: JSON.stringify({ ts, ...fields }).slice(0, 60) };
    case 5: // neither JSON nor a log line
      return { kind: 'line', text: `garbage ${n}` };
    case 6: // a combined log line: held unparsed
      return { kind: 'line', text: combined(offsetMs, n, 200) };
    case 7: // a combined log line, invalid status: found invalid once it is parsed
      return { kind: 'line', text: combined(offsetMs, n, 99) };
    default: // over the length cap
      return { kind: 'over-long', bytes: 2_000_000 };
  }
}

/**
 * The order plainly: every line parsed at once, its event in the reorder buffer; an
 * invalid line whose time can be read takes its place there too (it moves the buffer's
 * clock as a valid one would) and is dropped when released.
 */
function eagerly(splits: readonly SplitLine[], delayMs: number) {
  const buffer = new ReorderBuffer<AccessEvent | null>(delayMs);
  const released: (AccessEvent | null)[] = [];
  const samples: string[] = [];
  let invalid = 0;
  splits.forEach((split, i) => {
    if (split.kind !== 'line') {
      invalid += 1;
      const { message } = sourceLineOf(FILE, i + 1, split)!.rejection!;
      if (samples.length < 5) samples.push(`${FILE}:${i + 1}: ${message}`);
      return;
    }
    const outcome = parseEvent(split.text, 'auto');
    if (outcome.ok) buffer.push(outcome.event.ts, outcome.event, released);
    else {
      const ts = peekEventTime(split.text, 'auto');
      if (!Number.isNaN(ts)) buffer.push(ts, null, released);
      invalid += 1;
      if (samples.length < 5) samples.push(`${FILE}:${i + 1}: ${outcome.error.message}`);
    }
  });
  released.push(...buffer.flush());
  const events = released.filter((event) => event !== null);
  return { events, invalid, samples, late: buffer.late };
}

/** The lines through an EventOrder, what each add released kept together. */
function ordered(splits: readonly SplitLine[], delayMs: number) {
  const order = new EventOrder(delayMs, 'auto');
  const events: AccessEvent[] = [];
  splits.forEach((split, i) => order.add(split, { file: FILE, line: i + 1, order: i + 1 }, events));
  order.flush(events);
  return { order, events };
}

describe('EventOrder', () => {
  it('gives the events, counts and first rejections of parsing every line at once', () => {
    const log = fc.array(
      fc.tuple(
        fc.constantFrom(0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 6, 7, 8),
        fc.integer({ min: 0, max: 20_000 }),
      ),
      { maxLength: 300 },
    );
    fc.assert(
      fc.property(log, fc.constantFrom(0, 50, 2_000), (entries, delayMs) => {
        const splits = entries.map(([kind, offset], n) => lineOf(kind, offset, n));
        const model = eagerly(splits, delayMs);
        const { order, events } = ordered(splits, delayMs);
        expect(events).toEqual(model.events);
        expect(order.events).toBe(model.events.length);
        expect(order.invalid).toBe(model.invalid);
        expect(order.late).toBe(model.late);
        expect(order.invalidSamples).toEqual(model.samples);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the first rejections in line order, though held lines are parsed later', () => {
    // Lines 1-3 hold times 10 s ahead (invalid once parsed); 4-9 are invalid at once.
    const splits = [
      ...[0, 1, 2].map((n) => lineOf(3, 10_000, n)),
      ...[3, 4, 5, 6, 7, 8].map((n) => lineOf(5, 0, n)),
      lineOf(0, 20_000, 9),
    ];
    const { order } = ordered(splits, 1_000);
    expect(order.invalid).toBe(9);
    expect(order.invalidSamples.map((sample) => sample.split(':')[1])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
  });

  it('puts a line that names ts twice in the place of the time it is parsed with', () => {
    const twice = (first: number, last: number) => {
      const [ts, lastTs] = [first, last].map((offset) => new Date(T0 + offset).toISOString());
      const fields = { ip: '10.0.0.1', method: 'GET', path: '/api/users/1', status: 200 };
      const text = JSON.stringify({ ts, ...fields }).slice(0, -1);
      return { kind: 'line', text: `${text},"ts":"${lastTs}"}` } as const;
    };
    // Held by 0 s, parsed as 5 s: after the 1 s and 3 s events, as parsing it first would put it.
    const later = ordered([twice(0, 5_000), lineOf(0, 1_000, 1), lineOf(0, 3_000, 2)], 1_000);
    expect(later.events.map((event) => event.ts - T0)).toEqual([1_000, 3_000, 5_000]);
    expect(later.order.late).toBe(0);
    // Held by 5 s, parsed as 0 s once the 6 s event released it: late, released at once.
    const earlier = ordered([twice(5_000, 0), lineOf(0, 6_000, 1)], 500);
    expect(earlier.events.map((event) => event.ts - T0)).toEqual([0, 6_000]);
    expect(earlier.order.late).toBe(1);
    // Parsed in the final flush as 10 s: held again, and flushed after the 1 s event.
    const flushed = ordered([twice(0, 10_000), lineOf(0, 1_000, 1)], 5_000);
    expect(flushed.events.map((event) => event.ts - T0)).toEqual([1_000, 10_000]);
  });

  it('parses a line over MAX_HELD_LINE_CHARS at once: its event, not its text, is held', () => {
    // Invalid (status 99) and a minute ahead: held, it moves the buffer's clock and makes
    // an event older than it late; parsed at once, it never enters the buffer.
    const long = JSON.stringify({
      ts: new Date(T0 + 60_000).toISOString(),
      ip: '10.0.0.1',
      method: 'GET',
      path: `/${'a'.repeat(MAX_HELD_LINE_CHARS)}`,
      status: 99,
    });
    const short = lineOf(3, 60_000, 0);
    for (const [first, late] of [
      [{ kind: 'line', text: long }, 0],
      [short, 1],
    ] as const) {
      // The 62 s event releases the first line (held); then the 1 s event is late.
      const { order } = ordered([first, lineOf(0, 62_000, 1), lineOf(0, 1_000, 2)], 1_000);
      expect([order.invalid, order.late]).toEqual([1, late]);
    }
  });
});

describe('HeldLines', () => {
  it('reuses a released slot and keeps each slot its own line', () => {
    const held = new HeldLines();
    const a = held.hold('a', 1, { file: 'f', line: 1, order: 1 });
    const b = held.hold('b', 2, { file: 'f', line: 2, order: 2 });
    held.release(a);
    const c = held.hold('c', 3, { file: 'g', line: 7, order: 3 });
    expect(c).toBe(a);
    expect([held.textOf(b), held.timeOf(b)]).toEqual(['b', 2]);
    expect([held.textOf(c), held.timeOf(c), held.placeOf(c)]).toEqual([
      'c',
      3,
      { file: 'g', line: 7, order: 3 },
    ]);
  });
});
