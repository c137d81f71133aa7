// SipHash-2-4 against the reference implementation's test vectors (key 00..0f,
// message 00..(n-1), n = 0..63): the first 17, which cover every tail length twice.
import { describe, expect, it } from 'vitest';
import { sipHash24, sipKeyOf } from './siphash.js';

const VECTORS = [
  '726fdb47dd0e0e31',
  '74f839c593dc67fd',
  '0d6c8009d9a94f5a',
  '85676696d7fb7e2d',
  'cf2794e0277187b7',
  '18765564cd99a68d',
  'cbc9466e58fee3ce',
  'ab0200f58b01d137',
  '93f5f5799a932462',
  '9e0082df0ba9e4b0',
  '7a5dbbc594ddb9f3',
  'f4b32f46226bada7',
  '751e8fbc860ee5fb',
  '14ea5627c0843d90',
  'f723ca908e7af2ee',
  'a129ca6149be45e5',
  '3f2acc7f57c29bdb',
];

describe('sipHash24', () => {
  const key = sipKeyOf(Uint8Array.from({ length: 16 }, (_, i) => i));
  const message = Uint8Array.from({ length: 64 }, (_, i) => i);

  it.each(VECTORS.map((hex, length) => ({ hex, length })))(
    'gives the reference output for $length bytes',
    ({ hex, length }) => {
      const [hi, lo] = sipHash24(key, message, length);
      expect(hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')).toBe(hex);
    },
  );

  it('refuses a key that is not 16 bytes', () => {
    expect(() => sipKeyOf(new Uint8Array(15))).toThrow(/16 bytes, got 15/);
  });
});
