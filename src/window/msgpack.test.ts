import { describe, expect, it } from 'vitest';
import { ExfilguardError } from '../vocabulary/errors.js';
import { type Packed, unpack } from './msgpack.js';
import { pack } from './msgpack-writer.js';

/** Strings come back as their bytes: compare them as latin1 text. */
function plain(value: Packed): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

describe('msgpack (as Lua cmsgpack writes and reads it)', () => {
  it('round-trips every integer width, both signs, and doubles', () => {
    const numbers = [
      0,
      1,
      127,
      128,
      255,
      256,
      65_535,
      65_536,
      2 ** 32 - 1,
      2 ** 32,
      1_765_000_000_000,
      2 ** 53 - 1,
      -1,
      -32,
      -33,
      -128,
      -129,
      -32_768,
      -32_769,
      -(2 ** 31),
      -(2 ** 31) - 1,
      -(2 ** 53) + 1,
      -1_765_000_000_123,
      0.5,
      -2.25,
      1e300,
    ];
    expect(unpack(pack(numbers))).toEqual(numbers);
  });

  it('writes each integer in the shortest of its encodings (the type byte)', () => {
    expect(pack(5)[0]).toBe(0x05);
    expect(pack(200)[0]).toBe(0xcc);
    expect(pack(300)[0]).toBe(0xcd);
    expect(pack(-100)[0]).toBe(0xd0);
    expect(pack(-1_000)[0]).toBe(0xd1);
    expect(pack(70_000)[0]).toBe(0xce);
    expect(pack(2 ** 40)[0]).toBe(0xcf);
    expect(pack(-5)[0]).toBe(0xfb);
    expect(pack(-40_000)[0]).toBe(0xd2);
    expect(pack(-(2 ** 40))[0]).toBe(0xd3);
    expect(pack(0.5)[0]).toBe(0xcb);
  });

  it('keeps every byte of a string, at each length boundary of its header', () => {
    const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 255) & 0xff);
    for (const n of [0, 31, 32, 255, 256, 65_535, 65_536]) {
      const back = unpack(pack([bytes(n)])) as Uint8Array[];
      expect(Buffer.from(back[0]!).equals(Buffer.from(bytes(n)))).toBe(true);
    }
  });

  it('reads maps with text keys, integer keys as text, and an empty table packed as an array', () => {
    const value = { v: 2, w: { abc: 'x' }, q: { 'logs:0': 12 } };
    expect(plain(unpack(pack(value)))).toEqual(value);
    // { [1] = 'a', [3] = 'b' }: cmsgpack writes a map with integer keys.
    expect(plain(unpack(Buffer.from([0x82, 0x01, 0xa1, 0x61, 0x03, 0xa1, 0x62])))).toEqual({
      1: 'a',
      3: 'b',
    });
    expect(unpack(Buffer.from([0x90]))).toEqual([]);
  });

  it('treats "__proto__" as a key like any other', () => {
    const bytes = Buffer.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x07]);
    const map = unpack(bytes) as Record<string, Packed>;
    expect(Object.keys(map)).toEqual(['__proto__']);
    expect(map['__proto__']).toBe(7);
  });

  it('refuses a value cut short, or followed by bytes, with STORE_STATE_INVALID', () => {
    const whole = pack({ v: 2, w: { field: 'window bytes' } });
    for (const bytes of [whole.subarray(0, whole.length - 3), Buffer.concat([whole, whole])]) {
      expect(() => unpack(bytes)).toThrow(ExfilguardError);
      try {
        unpack(bytes);
      } catch (error) {
        expect((error as ExfilguardError).code).toBe('STORE_STATE_INVALID');
      }
    }
    expect(() => unpack(Buffer.from([0xc1]))).toThrow(/type byte 0xc1/);
  });
});
