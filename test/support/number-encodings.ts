// Every way a stored value could spell an integer: decimal text, each msgpack integer
// width that can hold it (big-endian, with its type byte, as msgpack writes it), msgpack
// float32 (when exact) and float64, and bare doubles of either byte order (the Redis
// store's step argument is little-endian doubles). For searching dumps for object ids.

/** The msgpack integer forms of `value` (an integer), each with its type byte. */
function msgpackIntegers(value: number): Buffer[] {
  const forms: Buffer[] = [];
  const big = BigInt(value);
  const widths: [number, number, bigint, bigint][] = [
    // type byte, bytes, min, max
    [0xcc, 1, 0n, 0xffn],
    [0xcd, 2, 0n, 0xffffn],
    [0xce, 4, 0n, 0xffffffffn],
    [0xcf, 8, 0n, 0xffffffffffffffffn],
    [0xd0, 1, -0x80n, 0x7fn],
    [0xd1, 2, -0x8000n, 0x7fffn],
    [0xd2, 4, -0x80000000n, 0x7fffffffn],
    [0xd3, 8, -0x8000000000000000n, 0x7fffffffffffffffn],
  ];
  for (const [type, bytes, min, max] of widths) {
    if (big < min || big > max) continue;
    const out = Buffer.alloc(1 + bytes);
    out[0] = type;
    const unsigned = big < 0n ? (1n << BigInt(8 * bytes)) + big : big;
    for (let i = 0; i < bytes; i += 1) {
      out[bytes - i] = Number((unsigned >> BigInt(8 * i)) & 0xffn);
    }
    forms.push(out);
  }
  if (value >= 0 && value <= 0x7f) forms.push(Buffer.from([value]));
  return forms;
}

export function integerEncodings(value: number): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [
    { name: 'decimal text', bytes: Buffer.from(String(value)) },
  ];
  for (const bytes of msgpackIntegers(value)) {
    out.push({ name: `msgpack 0x${bytes[0]!.toString(16)}`, bytes });
  }
  if (Math.fround(value) === value) {
    const f32 = Buffer.alloc(5);
    f32[0] = 0xca;
    f32.writeFloatBE(value, 1);
    out.push({ name: 'msgpack float32', bytes: f32 });
  }
  const f64 = Buffer.alloc(9);
  f64[0] = 0xcb;
  f64.writeDoubleBE(value, 1);
  out.push({ name: 'msgpack float64', bytes: f64 });
  out.push({ name: 'double big-endian', bytes: f64.subarray(1) });
  const le = Buffer.alloc(8);
  le.writeDoubleLE(value, 0);
  out.push({ name: 'double little-endian', bytes: le });
  return out;
}
