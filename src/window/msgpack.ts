// MessagePack as Redis's Lua cmsgpack writes and reads it: the actor state values of the
// Redis store (state-value.ts) are read and written here, in Node, and still read by the
// Lua of an earlier version during a rolling upgrade. Only what those values hold:
// nil, booleans, numbers, strings, arrays and maps. A string is bytes to Lua (a bitmap,
// a window packed in its actor's value): a string value is read as a view of its bytes
// (no copy: most of a value's windows are written back as they were read), a map key as
// latin1 text (one char per byte, every byte kept).
import { ExfilguardError } from '../vocabulary/errors.js';

/** A decoded value: Lua's tables become arrays (keys 1..n) or plain objects (maps). */
export type Packed = null | boolean | number | string | Uint8Array | Packed[] | PackedMap;
export interface PackedMap {
  [key: string]: Packed;
}

export function unpack(bytes: Buffer): Packed {
  return new Reader(bytes).whole(0, bytes.length);
}

/** 2^32: the high word of a 64-bit integer counts in these. */
export const TWO_32 = 2 ** 32;

/** Reads one value after another; the primitives read what a known layout holds there. */
export class Reader {
  at = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Buffer) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The one value in bytes [start, end): all of them, or an error. */
  whole(start: number, end: number): Packed {
    this.at = start;
    let value: Packed;
    try {
      value = this.value();
    } catch (error) {
      // A length past the end: DataView's own RangeError, said as what it means here.
      if (error instanceof RangeError) throw malformed('it ends inside a value');
      throw error;
    }
    if (this.at !== end) throw malformed(`${end - this.at} bytes after the value`);
    return value;
  }

  /** Whether the string of `length` bytes at `at` has the same bytes as the one at `other`. */
  sameText(other: number, length: number): boolean {
    return this.bytes.compare(this.bytes, other, other + length, this.at, this.at + length) === 0;
  }

  /** A map's header: its number of entries. Lua packs an empty table as an empty array. */
  mapLength(): number {
    const type = this.byte();
    if (type >= 0x80 && type <= 0x8f) return type & 0x0f;
    if (type === 0x90) return 0;
    if (type === 0xde) return this.take(2, this.view.getUint16(this.at));
    if (type === 0xdf) return this.take(4, this.view.getUint32(this.at));
    throw malformed(`a map expected at ${this.at - 1}`);
  }

  /** Whether a string comes next. */
  atText(): boolean {
    const type = this.bytes[this.at];
    if (type === undefined) throw malformed('it ends inside a value');
    return (
      (type >= 0xa0 && type <= 0xbf) ||
      type === 0xd9 ||
      type === 0xda ||
      type === 0xdb ||
      (type >= 0xc4 && type <= 0xc6)
    );
  }

  /** A string's header: its length; its bytes follow, from `at`. */
  textLength(): number {
    const type = this.byte();
    if (type >= 0xa0 && type <= 0xbf) return type & 0x1f;
    if (type === 0xd9 || type === 0xc4) return this.byte();
    if (type === 0xda || type === 0xc5) return this.take(2, this.view.getUint16(this.at));
    if (type === 0xdb || type === 0xc6) return this.take(4, this.view.getUint32(this.at));
    throw malformed(`a string expected at ${this.at - 1}`);
  }

  /** A string, as latin1 text (a map key). */
  key(): string {
    const length = this.textLength();
    const end = this.at + length;
    if (end > this.bytes.length) throw malformed('a string runs past the end');
    const text = this.bytes.latin1Slice(this.at, end);
    this.at = end;
    return text;
  }

  /** A number (any of its encodings). */
  number(): number {
    const value = this.value();
    if (typeof value !== 'number') throw malformed(`a number expected before ${this.at}`);
    return value;
  }

  value(): Packed {
    const type = this.byte();
    if (type <= 0x7f) return type;
    if (type >= 0xe0) return type - 0x100;
    if (type >= 0x80 && type <= 0x8f) return this.map(type & 0x0f);
    if (type >= 0x90 && type <= 0x9f) return this.array(type & 0x0f);
    if (type >= 0xa0 && type <= 0xbf) return this.text(type & 0x1f);
    const view = this.view;
    switch (type) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xd9:
        return this.text(this.byte());
      case 0xc5:
      case 0xda:
        return this.text(this.take(2, view.getUint16(this.at)));
      case 0xc6:
      case 0xdb:
        return this.text(this.take(4, view.getUint32(this.at)));
      case 0xca:
        return this.take(4, view.getFloat32(this.at));
      case 0xcb:
        return this.take(8, view.getFloat64(this.at));
      case 0xcc:
        return this.byte();
      case 0xcd:
        return this.take(2, view.getUint16(this.at));
      case 0xce:
        return this.take(4, view.getUint32(this.at));
      case 0xcf:
        return this.take(8, view.getUint32(this.at) * TWO_32 + view.getUint32(this.at + 4));
      case 0xd0:
        return this.take(1, view.getInt8(this.at));
      case 0xd1:
        return this.take(2, view.getInt16(this.at));
      case 0xd2:
        return this.take(4, view.getInt32(this.at));
      case 0xd3:
        return this.take(8, view.getInt32(this.at) * TWO_32 + view.getUint32(this.at + 4));
      case 0xdc:
        return this.array(this.take(2, view.getUint16(this.at)));
      case 0xdd:
        return this.array(this.take(4, view.getUint32(this.at)));
      case 0xde:
        return this.map(this.take(2, view.getUint16(this.at)));
      case 0xdf:
        return this.map(this.take(4, view.getUint32(this.at)));
      default:
        throw malformed(`type byte 0x${type.toString(16)} at ${this.at - 1}`);
    }
  }

  private byte(): number {
    if (this.at >= this.bytes.length) throw malformed('it ends inside a value');
    return this.bytes[this.at++]!;
  }

  /** Moves past `size` bytes; returns `value`, read at the old position (DataView checks the end). */
  private take<T>(size: number, value: T): T {
    this.at += size;
    return value;
  }

  /** A string's bytes, as a view of the value read. */
  private text(length: number): Uint8Array {
    const end = this.at + length;
    if (end > this.bytes.length) throw malformed('a string runs past the end');
    // A plain view (no copy, lighter than a Buffer's subarray): bitmaps are copied on write.
    const bytes = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.at, length);
    this.at = end;
    return bytes;
  }

  private array(length: number): Packed[] {
    const out = new Array<Packed>(length);
    for (let i = 0; i < length; i += 1) out[i] = this.value();
    return out;
  }

  private map(length: number): PackedMap {
    // No prototype: a key such as "__proto__" is a key like any other.
    const out = Object.create(null) as PackedMap;
    for (let i = 0; i < length; i += 1) {
      // cmsgpack writes a table's integer keys as numbers: kept as their decimal text.
      if (this.atText()) {
        const key = this.key();
        out[key] = this.value();
        continue;
      }
      const key = this.value();
      if (typeof key !== 'number') throw malformed('a map key is not a string');
      out[String(key)] = this.value();
    }
    return out;
  }
}

declare module 'node:buffer' {
  interface Buffer {
    /** Node's own latin1 decoder (what toString('latin1') calls), without its checks. */
    latin1Slice(start: number, end: number): string;
  }
}

function malformed(detail: string): ExfilguardError {
  return new ExfilguardError(
    'STORE_STATE_INVALID',
    `actor state value is not MessagePack: ${detail}`,
  );
}
