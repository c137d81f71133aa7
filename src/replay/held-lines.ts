// The lines replay holds unparsed in its reorder buffer (replay.ts), each in a slot of
// parallel arrays: the buffer holds the slot's number, no object per line, and a line
// found invalid once it is parsed still names its file and line.

/** Where a held line came from. */
export interface LinePlace {
  readonly file: string;
  /** Its number in its file, from 1. */
  readonly line: number;
  /** Its place among every line read, in reading order (the rejections are kept in it). */
  readonly order: number;
}

export class HeldLines {
  private readonly texts: (string | undefined)[] = [];
  private readonly times: number[] = [];
  private readonly files: string[] = [];
  private readonly lines: number[] = [];
  private readonly orders: number[] = [];
  /** Slots given back, reused first: the slots in use are the lines held, no more. */
  private readonly free: number[] = [];

  /** Holds a line whose time was read as `ts`, read at `place`; its slot's number. */
  hold(text: string, ts: number, { file, line, order }: LinePlace): number {
    const slot = this.free.length > 0 ? this.free.pop()! : this.texts.length;
    this.texts[slot] = text;
    this.times[slot] = ts;
    this.files[slot] = file;
    this.lines[slot] = line;
    this.orders[slot] = order;
    return slot;
  }

  /** The time the slot's line was held by. */
  timeOf(slot: number): number {
    return this.times[slot]!;
  }

  /** Where the slot's line came from (made only for a rejection). */
  placeOf(slot: number): LinePlace {
    return { file: this.files[slot]!, line: this.lines[slot]!, order: this.orders[slot]! };
  }

  /** The slot's line. */
  textOf(slot: number): string {
    return this.texts[slot]!;
  }

  /** The slot free again, its line let go. */
  release(slot: number): void {
    this.texts[slot] = undefined;
    this.free.push(slot);
  }
}
