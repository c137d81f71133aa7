import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePercent } from '../request-path/index.js';
import { queryParam } from './query.js';

describe('queryParam', () => {
  it.each([
    ['page=2', 'page', '2'],
    ['x=1&page=2&y=3', 'page', '2'],
    ['page=1&page=500', 'page', '1'],
    ['page', 'page', ''],
    ['page=', 'page', ''],
    ['page=a=b', 'page', 'a=b'],
    ['q=a+b%20c', 'q', 'a b c'],
    ['p%61ge=3', 'page', '3'],
    ['q=%zz', 'q', '%zz'],
    ['q=%E2%82%AC', 'q', '€'],
    ['q=%E2%82', 'q', '\uFFFD'],
    ['C=D;O=A', 'C', 'D;O=A'],
    ['&&page=4&&', 'page', '4'],
    ['=x', '', 'x'],
  ])('%j: %s → %j', (query, name, value) => {
    expect(queryParam(query, name)).toBe(value);
  });

  it.each([
    ['', 'page'],
    ['pages=2', 'page'],
    ['pag=2', 'page'],
    ['x=page', 'page'],
    ['Page=2', 'page'],
  ])('%j has no %s', (query, name) => {
    expect(queryParam(query, name)).toBeUndefined();
  });

  it('never throws, and is linear on "&" floods', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (query, name) => {
        expect(() => queryParam(query, name)).not.toThrow();
      }),
    );
    const started = performance.now();
    expect(queryParam('a&'.repeat(500_000), 'page')).toBeUndefined();
    expect(queryParam('a'.repeat(1_000_000), 'page')).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('decodePercent', () => {
  it.each([
    ['plain', false, 'plain'],
    ['a%20b', false, 'a b'],
    ['a+b', false, 'a+b'],
    ['a+b', true, 'a b'],
    ['%', false, '%'],
    ['%4', false, '%4'],
    ['%zz%41', false, '%zzA'],
    ['%25', false, '%'],
    ['%2525', false, '%25'],
    ['%C3%A9té', false, 'été'],
    ['%C0%AF', false, '\uFFFD\uFFFD'],
    ['%%41', false, '%A'],
    ['a+%2B', true, 'a +'],
    ['%41+%E2%82%AC+', true, 'A € '],
    // Lone surrogates pass through unless a non-ASCII escape sends the text
    // through the UTF-8 decoder, which replaces them.
    ['\uD800%41', false, '\uD800A'],
    ['\uD800%C3%A9', false, '\uFFFDé'],
  ])('%j (plus as space: %s) → %j', (text, plusAsSpace, decoded) => {
    expect(decodePercent(text, plusAsSpace)).toBe(decoded);
  });

  it('round-trips whatever encodeURIComponent produces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const encoded = encodeURIComponent(text.replaceAll(/[\uD800-\uDFFF]/g, ''));
        expect(decodePercent(encoded)).toBe(decodeURIComponent(encoded));
      }),
    );
  });

  it('agrees with decodeURIComponent on any text that does not make it throw', () => {
    const escapeLike = fc.string({
      unit: fc.constantFrom('%', '4', '1', 'C', '3', 'A', '9', 'z', '+', 'é', '%E2%82%AC', '%41'),
      maxLength: 30,
    });
    fc.assert(
      fc.property(escapeLike, (text) => {
        let expected: string;
        try {
          expected = decodeURIComponent(text);
        } catch {
          return; // decodeURIComponent refuses it; decodePercent must merely not throw
        }
        expect(decodePercent(text)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
