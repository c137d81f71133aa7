// An actor's state value in Redis, read and changed in Node: its windows' arithmetic,
// applied positions and deadlines. The Redis store (redis-store.ts) reads the values of a
// batch's actors, applies the steps here, and writes the changed values back with the
// commit script (scripts/commit/), which writes a value only if it is still the one
// read (else the actor's steps are done again on the new value) and claims lockouts.
//
// The layout is the one the Lua of the previous version reads and writes (LAYOUT 2), so
// both versions can share a Redis during a rolling upgrade:
//
//   state: msgpack { v = 2, w = { field -> msgpack of its window (flat-window.ts) },
//                    x = { field -> the window's deadline },
//                    q = { stream -> highest offset applied }, qd, p }
//
// Every entry carries its deadline (wall-clock ms; `qd` for q): an entry past it is gone,
// as a key of its own would have expired; the value expires with its latest deadline.
// `p`: until then the outbox may hold lockouts (the commit script reads it).
// Ids in sequence windows are offset per actor by the caller, fields are keyed hashes:
// nothing in a value names a person. The readings are those of memory-store.ts (the
// store differential feeds both stores the same random streams).
import { ExfilguardError } from '../vocabulary/errors.js';
import {
  applyToWindow,
  D,
  newWindow,
  peekWindow,
  type Window,
  type WindowSpec,
  wouldExpire,
} from './flat-window.js';
import { Reader } from './msgpack.js';
import type { Writer } from './msgpack-writer.js';

export const LAYOUT = 2;
/** How long a granted lockout waits in the outbox (the commit script's OUTBOX_TTL_MS). */
export const OUTBOX_TTL_MS = 86_400_000;
/** Applied positions are remembered at least this long (wall clock) after the last. */
const POSITIONS_KEPT_MS = 3_600_000;

/** A window of the value: where its bytes are in the value read, or what a step made of it. */
interface WindowEntry {
  /** Its deadline (wall-clock ms), `x` in the value. */
  deadline: number;
  /**
   * In the value read: where its packed string starts (header; copied as is when
   * untouched), where its bytes (the window's own msgpack) start, and where both end.
   */
  readonly packedAt: number;
  readonly bytesAt: number;
  readonly end: number;
  /** The window, decoded or made by this batch: written back from it. */
  window: Window | undefined;
}

/** One actor's state during a batch: decoded once, windows decoded when a step needs them. */
export class ActorStateValue {
  /** The windows, in the value's order: their fields, and where or what each is. */
  private readonly fields: string[];
  private readonly entries: WindowEntry[];
  /** Field → index, once an actor has many windows (a scan is cheaper for a few). */
  private index: Map<string, number> | undefined;
  private positions: Map<string, number> | undefined;
  private positionsDeadline: number | undefined;
  /** The outbox may hold lockouts until then (wall clock). */
  outboxUntil: number | undefined;
  /** The highest offset applied by this batch, of its one stream (most actors have one). */
  private newestStream: string | undefined;
  private newestOffset = 0;
  /** Of the other streams, if any. */
  private newestOthers: Map<string, number> | undefined;
  /** The longest span (window + bucket) of a step of this batch. */
  private longest = 0;
  /** Something changed: the value must be written. */
  dirty = false;
  /** The value read was of the layout before issue 9 (03-legacy-upgrade.lua). */
  readonly legacy: boolean = false;
  /** Whether the commit must read the outbox: no value, or one that says it may hold lockouts. */
  readonly readOutbox: boolean;
  /** A reader over the value read: windows are decoded from it when a step needs them. */
  private readonly reader: Reader | undefined;

  /** `raw`: the value as read (null: none); `now`: wall-clock ms. */
  constructor(
    raw: Buffer | null,
    private readonly now: number,
  ) {
    if (raw === null) {
      this.readOutbox = true;
      this.fields = [];
      this.entries = [];
      return;
    }
    this.reader = new Reader(raw);
    const read = readValue(this.reader, now);
    this.readOutbox = read.outboxUntil !== undefined && read.outboxUntil !== 0;
    this.outboxUntil = read.outboxUntil;
    this.fields = read.fields;
    this.entries = read.entries;
    if (read.layout !== LAYOUT) {
      // Its positions and outbox marker are kept, not its windows (03-legacy-upgrade.lua).
      this.legacy = true;
      this.dirty = true;
      this.fields.length = 0;
      this.entries.length = 0;
    }
    if (read.positions && read.positionsDeadline !== undefined && read.positionsDeadline > now) {
      this.positions = read.positions;
      this.positionsDeadline = read.positionsDeadline;
    }
  }

  /** The highest offset applied for `stream` before this batch, if any. */
  appliedOffset(stream: string): number | undefined {
    return this.positions?.get(stream);
  }

  /** Records that a step of this batch applied `offset` of `stream`. */
  applying(stream: string, offset: number): void {
    if (this.newestStream === undefined) {
      this.newestStream = stream;
      this.newestOffset = offset;
    } else if (this.newestStream === stream) {
      if (offset > this.newestOffset) this.newestOffset = offset;
    } else {
      this.newestOthers ??= new Map();
      const top = this.newestOthers.get(stream);
      if (top === undefined || offset > top) this.newestOthers.set(stream, offset);
    }
  }

  /** Every step of the batch, applied or not, keeps positions for its window's span. */
  touches(spec: WindowSpec): void {
    const span = spec.windowMs + spec.bucketMs;
    if (span > this.longest) this.longest = span;
  }

  /** The step's observation applied to window `field`; its reading. `value`: amounts, id or bit. */
  observe(
    field: string,
    spec: WindowSpec,
    ts: number,
    value: number | readonly number[],
  ): number[] {
    this.dirty = true;
    const at = this.find(field);
    let entry = at < 0 ? undefined : this.entries[at]!;
    let st = entry && this.current(entry, spec, ts);
    if (st === undefined) {
      // A new window, or one past its time: replaced, its old bytes not written back.
      st = newWindow(spec);
      const made = { deadline: 0, packedAt: 0, bytesAt: 0, end: 0, window: st };
      if (at < 0) this.add(field, made);
      else this.entries[at] = made;
      entry = made;
    }
    const deadline = this.now + spec.windowMs + spec.bucketMs;
    st[D] = deadline;
    entry!.deadline = deadline;
    return applyToWindow(st, spec, ts, value);
  }

  /** The reading as it stands, for a redelivered record: nothing changes. */
  peek(field: string, spec: WindowSpec, ts: number, value: number | readonly number[]): number[] {
    const at = this.find(field);
    const st = at < 0 ? undefined : this.current(this.entries[at]!, spec, ts);
    return peekWindow(st, spec, value);
  }

  /**
   * Writes the value into `w` and returns its time to live, or returns null and writes
   * nothing: nothing in it is live (delete it). Call once, after the batch's steps.
   */
  encode(w: Writer): number | null {
    const now = this.now;
    this.keepPositions();
    const { fields, entries } = this;
    let deadline = this.positionsDeadline ?? 0;
    for (let i = 0; i < entries.length; i += 1) {
      if (entries[i]!.deadline > deadline) deadline = entries[i]!.deadline;
    }
    if (deadline <= now) return null;
    const outbox = this.outboxUntil !== undefined && this.outboxUntil > now;
    w.mapHeader(3 + (this.positions ? 2 : 0) + (outbox ? 1 : 0));
    w.text('v');
    w.number(LAYOUT);
    w.text('w');
    w.mapHeader(entries.length);
    for (let i = 0; i < entries.length; i += 1) {
      const entry = entries[i]!;
      w.text(fields[i]!);
      if (entry.window) {
        const start = w.openString();
        w.window(entry.window);
        w.closeString(start);
      } else {
        w.verbatim(this.reader!.bytes, entry.packedAt, entry.end);
      }
    }
    w.text('x');
    w.mapHeader(entries.length);
    for (let i = 0; i < entries.length; i += 1) {
      w.text(fields[i]!);
      w.number(entries[i]!.deadline);
    }
    if (this.positions) {
      w.text('q');
      w.mapHeader(this.positions.size);
      this.positions.forEach((offset, stream) => {
        w.text(stream);
        w.number(offset);
      });
      w.text('qd');
      w.number(this.positionsDeadline!);
    }
    // Past its time the outbox has expired with its last lockout: no need to read it.
    if (outbox) {
      w.text('p');
      w.number(this.outboxUntil!);
    }
    return Math.ceil(deadline - now);
  }

  /** The batch's applied positions merged into the value's, kept for the longest span. */
  private keepPositions(): void {
    if (this.newestStream === undefined) return;
    const positions = this.positions ?? new Map<string, number>();
    positions.set(this.newestStream, this.newestOffset);
    this.newestOthers?.forEach((offset, stream) => positions.set(stream, offset));
    this.positions = positions;
    this.positionsDeadline = this.now + Math.max(this.longest, POSITIONS_KEPT_MS);
  }

  private find(field: string): number {
    if (this.index) return this.index.get(field) ?? -1;
    return this.fields.indexOf(field);
  }

  private add(field: string, entry: WindowEntry): void {
    this.fields.push(field);
    this.entries.push(entry);
    if (this.index) this.index.set(field, this.fields.length - 1);
    else if (this.fields.length > INDEXED_ABOVE) {
      this.index = new Map(this.fields.map((name, i) => [name, i]));
    }
  }

  /** The window of `entry` if it would still be live at `ts`, decoded once per batch. */
  private current(entry: WindowEntry, spec: WindowSpec, ts: number): Window | undefined {
    let st = entry.window;
    if (st === undefined) {
      const decoded = this.reader!.whole(entry.bytesAt, entry.end);
      if (!Array.isArray(decoded)) return undefined;
      st = decoded;
      entry.window = st;
    }
    return wouldExpire(st, spec, ts) ? undefined : st;
  }
}

/** Windows an actor has before it gets a field index (a scan of a few is cheaper). */
const INDEXED_ABOVE = 16;

/** What a value holds, read without decoding its windows. */
interface ReadValue {
  layout: number | undefined;
  /** The live windows, in order: their fields and entries. */
  readonly fields: string[];
  readonly entries: WindowEntry[];
  positions?: Map<string, number>;
  positionsDeadline?: number;
  outboxUntil?: number;
}

/** Reads a state value; windows past their deadline are dropped. */
function readValue(reader: Reader, now: number): ReadValue {
  const read: ReadValue = { layout: undefined, fields: [], entries: [] };
  const fields: FieldsRead = {
    names: [],
    entries: [],
    keyAt: [],
    keyLength: [],
    deadlines: undefined,
  };
  try {
    for (let n = reader.mapLength(); n > 0; n -= 1) {
      switch (reader.key()) {
        case 'v':
          read.layout = reader.number();
          break;
        case 'w':
          readWindows(reader, fields);
          break;
        case 'x':
          readDeadlines(reader, fields);
          break;
        case 'q':
          read.positions = new Map();
          for (let m = reader.mapLength(); m > 0; m -= 1)
            read.positions.set(reader.key(), reader.number());
          break;
        case 'qd':
          read.positionsDeadline = reader.number();
          break;
        case 'p':
          read.outboxUntil = reader.number();
          break;
        default:
          // The layout before issue 9 (offences `o`, windows keyed otherwise): skipped.
          reader.value();
      }
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const detail = 'actor state value is not MessagePack: it ends inside a value';
    throw new ExfilguardError('STORE_STATE_INVALID', detail);
  }
  for (let i = 0; i < fields.entries.length; i += 1) {
    const entry = fields.entries[i]!;
    const deadline = entry.deadline >= 0 ? entry.deadline : fields.deadlines?.get(fields.names[i]!);
    // As the Lua of the previous version: a window lives until its deadline in `x`.
    if (deadline === undefined || deadline <= now) continue;
    entry.deadline = deadline;
    read.fields.push(fields.names[i]!);
    read.entries.push(entry);
  }
  return read;
}

/** The windows of `w` in order, with where their field's bytes are: `x` names the same fields. */
interface FieldsRead {
  readonly names: string[];
  readonly entries: WindowEntry[];
  readonly keyAt: number[];
  readonly keyLength: number[];
  /** Deadlines of `x` not in the order of `w` (a value the Lua wrote), by field. */
  deadlines: Map<string, number> | undefined;
}

/** `w`: where each window's packed string is; decoded only when a step needs it. */
function readWindows(reader: Reader, fields: FieldsRead): void {
  for (let m = reader.mapLength(); m > 0; m -= 1) {
    const length = reader.textLength();
    const at = reader.at;
    const field = reader.bytes.latin1Slice(at, at + length);
    reader.at = at + length;
    const packedAt = reader.at;
    if (!reader.atText()) {
      // Not a packed window (a value of the layout before issue 9): dropped.
      reader.value();
      continue;
    }
    const bytesLength = reader.textLength();
    const bytesAt = reader.at;
    reader.at += bytesLength;
    const entry = { deadline: -1, packedAt, bytesAt, end: reader.at, window: undefined };
    fields.names.push(field);
    fields.entries.push(entry);
    fields.keyAt.push(at);
    fields.keyLength.push(length);
  }
}

/** `x`: each window's deadline; in the order of `w` (this version's), matched by bytes. */
function readDeadlines(reader: Reader, fields: FieldsRead): void {
  const { entries, keyAt, keyLength } = fields;
  for (let m = reader.mapLength(), i = 0; m > 0; m -= 1, i += 1) {
    const length = reader.textLength();
    if (i < entries.length && length === keyLength[i] && reader.sameText(keyAt[i]!, length)) {
      reader.at += length;
      entries[i]!.deadline = reader.number();
    } else {
      const field = reader.bytes.latin1Slice(reader.at, reader.at + length);
      reader.at += length;
      fields.deadlines ??= new Map();
      fields.deadlines.set(field, reader.number());
    }
  }
}
