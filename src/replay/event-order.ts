// Replay's lines → events in event-time order. A line whose time can be read without
// parsing it (a canonical JSON line, a combined log line: peekEventTime) is held
// unparsed in the reorder buffer and parsed once it is due; any other is parsed at once
// and its event held. A held line is one string where a parsed event is an object and a
// string per field, which the collector copied twice and marked again for the two
// minutes each event waits: the 1,000,000-line JSONL bench replays 5 % faster so
// (issue 16). Only a line of at most MAX_HELD_LINE_CHARS is held so: a parsed event is
// bounded whatever its line holds (a path of 8,192 characters, a user agent of 1,024,
// no unknown field), a line only by the reader's 1 MiB, and the buffer holds up to
// 100,000 of them.
//
// Events leave in the order they did when every line was parsed at once, the same lines
// are counted invalid, and the first rejections are kept in line order though a held
// line is parsed after the lines that follow it. One difference, by design: a held line
// found invalid once parsed has moved the buffer's clock by its time, as a valid line
// of that time would (its neighbours' time, unless the producer is broken), and it may
// make a later event count as late.
import {
  type AccessEvent,
  type EventFormat,
  type ParseOutcome,
  parseEvent,
  peekEventTime,
} from '../event/index.js';
import { sourceLineOf } from '../source/files.js';
import type { SplitLine } from '../source/line-splitter.js';
import { HeldLines, type LinePlace } from './held-lines.js';
import { ReorderBuffer } from './reorder.js';

/** Longest line held unparsed: a log line is some 300 characters. */
export const MAX_HELD_LINE_CHARS = 4096;

/** Rejections kept, the first in line order, as `file:line: message`. */
const INVALID_SAMPLES = 5;

interface InvalidSample {
  readonly order: number;
  readonly text: string;
}

/** A parsed event, or the slot of a line held unparsed. */
type Held = AccessEvent | number;

export class EventOrder {
  private readonly reorder: ReorderBuffer<Held>;
  private readonly held = new HeldLines();
  private readonly samples: InvalidSample[] = [];
  /** Valid events and invalid lines, counted when parsed. */
  events = 0;
  invalid = 0;

  constructor(
    reorderMs: number,
    private readonly format: EventFormat,
  ) {
    this.reorder = new ReorderBuffer<Held>(reorderMs);
  }

  /** Reads the line at `place`; appends the events now due to `due`, in time order. */
  add(split: SplitLine, place: LinePlace, due: AccessEvent[]): void {
    // The reorder buffer appends to `due` itself (no array in between); the slots of held
    // lines among what it appended are made events before this returns.
    const released = due as Held[];
    const from = released.length;
    const short = split.kind === 'line' && split.text.length <= MAX_HELD_LINE_CHARS;
    const ts = short ? peekEventTime(split.text, this.format) : NaN;
    if (split.kind === 'line' && !Number.isNaN(ts)) {
      const slot = this.held.hold(split.text, ts, place);
      this.reorder.push(ts, slot, released);
    } else {
      const outcome =
        split.kind === 'line'
          ? parseEvent(split.text, this.format)
          : ({
              ok: false,
              error: sourceLineOf(place.file, place.line, split)!.rejection!,
            } as const);
      const event = this.counted(outcome, () => place);
      if (event) this.reorder.push(event.ts, event, released);
    }
    if (released.length > from) this.parseReleased(released, from);
  }

  /** Appends every event still held to `due`, in time order. */
  flush(due: AccessEvent[]): void {
    const released = due as Held[];
    // Again while a line put back (`parsed`) is held.
    for (let rest = this.reorder.flush(); rest.length > 0; rest = this.reorder.flush()) {
      const from = released.length;
      for (const item of rest) released.push(item);
      this.parseReleased(released, from);
    }
  }

  /** Events that came after later events had been released. */
  get late(): number {
    return this.reorder.late;
  }

  /** The first few rejections in line order, `file:line: message`. */
  get invalidSamples(): string[] {
    return this.samples.map((sample) => sample.text);
  }

  /** The held lines in `released` from `from` on parsed in place, invalid ones left out. */
  private parseReleased(released: Held[], from: number): void {
    let kept = from;
    // By index: `parsed` may append to `released`.
    for (let i = from; i < released.length; i += 1) {
      const item = released[i]!;
      const event = typeof item === 'number' ? this.parsed(item, released) : item;
      if (event !== undefined) released[kept++] = event;
    }
    if (kept < released.length) released.length = kept;
  }

  /** A held line parsed; undefined if invalid, or if its time was not the one read (put back). */
  private parsed(slot: number, released: Held[]): AccessEvent | undefined {
    const { held } = this;
    const event = this.counted(parseEvent(held.textOf(slot), this.format), () =>
      held.placeOf(slot),
    );
    const heldAs = held.timeOf(slot);
    held.release(slot);
    if (event === undefined || event.ts === heldAs) return event;
    // A line naming `ts` twice: held by the first, JSON.parse reads the last. Put in its
    // place now, as if it had come now (a late one is released at once, counted late).
    this.reorder.push(event.ts, event, released);
    return undefined;
  }

  /** The event, counted; or the rejection counted, and kept if among the first in line order. */
  private counted(outcome: ParseOutcome, placeOf: () => LinePlace): AccessEvent | undefined {
    if (outcome.ok) {
      this.events += 1;
      return outcome.event;
    }
    this.invalid += 1;
    const { samples } = this;
    const { file, line, order } = placeOf();
    if (samples.length === INVALID_SAMPLES && samples[INVALID_SAMPLES - 1]!.order < order) {
      return undefined;
    }
    let at = samples.length;
    while (at > 0 && samples[at - 1]!.order > order) at -= 1;
    samples.splice(at, 0, { order, text: `${file}:${line}: ${outcome.error.message}` });
    if (samples.length > INVALID_SAMPLES) samples.pop();
    return undefined;
  }
}
