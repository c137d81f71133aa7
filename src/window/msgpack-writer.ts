// MessagePack written as Redis's Lua cmsgpack reads it (msgpack.ts reads it back): the
// Redis store's actor state values (state-value.ts) and the commit script's per-actor
// argument (shard-call.ts), written into one growing buffer each.
import { type Packed, TWO_32 } from './msgpack.js';

/** The value's MessagePack. */
export function pack(value: Packed): Buffer {
  const writer = new Writer(256);
  writer.value(value);
  return writer.done();
}

/** Writes one value after another into one growing buffer; `copy` takes the result. */
export class Writer {
  private bytes: Buffer;
  private at = 0;

  constructor(size = 4096) {
    this.bytes = Buffer.allocUnsafe(size);
  }

  /** What was written, as a view (the writer is not used again). */
  done(): Buffer {
    return this.bytes.subarray(0, this.at);
  }

  /** Room for a 32-bit little-endian number written later by `patchU32le`; its position. */
  reserveU32le(): number {
    this.room(4);
    this.at += 4;
    return this.at - 4;
  }

  /** The number of bytes written since the reserved slot at `slot`, written into it. */
  patchU32le(slot: number): void {
    this.bytes.writeUInt32LE(this.at - slot - 4, slot);
  }

  /** Bytes as they are, after their 32-bit little-endian length (none: length 0). */
  sizedBytes(bytes: Uint8Array | null | undefined): void {
    const length = bytes ? bytes.length : 0;
    this.room(4 + length);
    this.bytes.writeUInt32LE(length, this.at);
    if (bytes) this.bytes.set(bytes, this.at + 4);
    this.at += 4 + length;
  }

  doubleLE(value: number): void {
    this.room(8);
    this.bytes.writeDoubleLE(value, this.at);
    this.at += 8;
  }

  mapHeader(length: number): void {
    this.header(length, 0x80, 0xde);
  }

  /** Bytes [start, end) of `source` as they are: a value packed before, copied. */
  verbatim(source: Buffer, start: number, end: number): void {
    this.room(end - start);
    source.copy(this.bytes, this.at, start, end);
    this.at += end - start;
  }

  /** Starts a string whose bytes are the values written until `closeString`. */
  openString(): number {
    this.room(5);
    this.at += 5;
    return this.at;
  }

  /** Ends the string opened at `start`, with the shortest header for its length. */
  closeString(start: number): void {
    const length = this.at - start;
    const header = length <= 31 ? 1 : length <= 0xff ? 2 : length <= 0xffff ? 3 : 5;
    const at = start - 5;
    if (header < 5) this.bytes.copyWithin(at + header, start, this.at);
    this.at = at;
    this.textHeader(length);
    this.at += length;
  }

  /**
   * A window (flat-window.ts): an array of numbers, one of which may be an array of
   * numbers (recent ids, a union's count), and bitmaps. The general `value`, without its
   * type tests on every number.
   */
  window(window: readonly Packed[]): void {
    this.header(window.length, 0x90, 0xdc);
    for (let i = 0; i < window.length; i += 1) {
      const item = window[i]!;
      if (typeof item === 'number') this.number(item);
      else if (Array.isArray(item)) {
        this.header(item.length, 0x90, 0xdc);
        for (let j = 0; j < item.length; j += 1) this.value(item[j]!);
      } else this.value(item);
    }
  }

  value(value: Packed): void {
    if (value === null) return this.byte(0xc0);
    switch (typeof value) {
      case 'boolean':
        return this.byte(value ? 0xc3 : 0xc2);
      case 'number':
        return this.number(value);
      case 'string':
        return this.text(value);
    }
    if (value instanceof Uint8Array) return this.raw(value);
    if (Array.isArray(value)) {
      this.header(value.length, 0x90, 0xdc);
      for (const item of value) this.value(item);
      return;
    }
    const keys = Object.keys(value);
    this.header(keys.length, 0x80, 0xde);
    for (const key of keys) {
      this.text(key);
      this.value(value[key]!);
    }
  }

  /** As cmsgpack: an integral number as the shortest integer (its sizes), any other as a double. */
  number(n: number): void {
    if (!Number.isInteger(n) || Math.abs(n) > Number.MAX_SAFE_INTEGER) {
      this.room(9);
      this.bytes[this.at] = 0xcb;
      this.bytes.writeDoubleBE(n, this.at + 1);
      this.at += 9;
      return;
    }
    if (n >= 0) this.unsigned(n);
    else this.signed(n);
  }

  /** A non-negative safe integer, in the fewest bytes. */
  private unsigned(n: number): void {
    this.room(9);
    const bytes = this.bytes;
    const at = this.at;
    if (n <= 0x7f) {
      bytes[at] = n;
      this.at = at + 1;
    } else if (n <= 0xff) {
      bytes[at] = 0xcc;
      bytes[at + 1] = n;
      this.at = at + 2;
    } else if (n <= 0xffff) {
      bytes[at] = 0xcd;
      bytes[at + 1] = n >>> 8;
      bytes[at + 2] = n & 0xff;
      this.at = at + 3;
    } else if (n <= 0xffffffff) {
      bytes[at] = 0xce;
      bytes[at + 1] = n >>> 24;
      bytes[at + 2] = (n >>> 16) & 0xff;
      bytes[at + 3] = (n >>> 8) & 0xff;
      bytes[at + 4] = n & 0xff;
      this.at = at + 5;
    } else {
      this.bytes[this.at] = 0xcf;
      this.bytes.writeUInt32BE(Math.floor(n / TWO_32), this.at + 1);
      this.bytes.writeUInt32BE(n % TWO_32, this.at + 5);
      this.at += 9;
    }
  }

  /** A negative safe integer, in the fewest bytes. */
  private signed(n: number): void {
    if (n >= -32) return this.byte(n + 0x100);
    this.room(9);
    if (n >= -0x80) {
      this.bytes[this.at] = 0xd0;
      this.bytes.writeInt8(n, this.at + 1);
      this.at += 2;
    } else if (n >= -0x8000) {
      this.bytes[this.at] = 0xd1;
      this.bytes.writeInt16BE(n, this.at + 1);
      this.at += 3;
    } else if (n >= -0x80000000) {
      this.bytes[this.at] = 0xd2;
      this.bytes.writeInt32BE(n, this.at + 1);
      this.at += 5;
    } else {
      // Two's complement of 64 bits: the high word is floor(n / 2^32), the low n mod 2^32.
      const high = Math.floor(n / TWO_32);
      this.bytes[this.at] = 0xd3;
      this.bytes.writeInt32BE(high, this.at + 1);
      this.bytes.writeUInt32BE(n - high * TWO_32, this.at + 5);
      this.at += 9;
    }
  }

  text(text: string): void {
    const length = text.length;
    this.textHeader(length);
    for (let i = 0; i < length; i += 1) this.bytes[this.at + i] = text.charCodeAt(i) & 0xff;
    this.at += length;
  }

  private raw(bytes: Uint8Array): void {
    this.textHeader(bytes.length);
    this.bytes.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** A string's header, with room for its bytes. */
  private textHeader(length: number): void {
    this.room(length + 5);
    if (length <= 31) this.bytes[this.at++] = 0xa0 | length;
    else if (length <= 0xff) {
      this.bytes[this.at++] = 0xd9;
      this.bytes[this.at++] = length;
    } else if (length <= 0xffff) {
      this.bytes[this.at] = 0xda;
      this.bytes.writeUInt16BE(length, this.at + 1);
      this.at += 3;
    } else {
      this.bytes[this.at] = 0xdb;
      this.bytes.writeUInt32BE(length, this.at + 1);
      this.at += 5;
    }
  }

  private header(length: number, fix: number, wide: number): void {
    this.room(5);
    if (length <= 15) this.bytes[this.at++] = fix | length;
    else if (length <= 0xffff) {
      this.bytes[this.at] = wide;
      this.bytes.writeUInt16BE(length, this.at + 1);
      this.at += 3;
    } else {
      this.bytes[this.at] = wide + 1;
      this.bytes.writeUInt32BE(length, this.at + 1);
      this.at += 5;
    }
  }

  byte(b: number): void {
    this.room(1);
    this.bytes[this.at++] = b;
  }

  private room(size: number): void {
    if (this.at + size <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.at + size));
    this.bytes.copy(grown, 0, 0, this.at);
    this.bytes = grown;
  }
}
