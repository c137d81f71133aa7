import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePercent } from '../request-path/percent.js';
import { MAX_ROUTE_LENGTH, normalizePath } from './route.js';

// Strings of any UTF-16 code units, lone surrogates included: what a hostile
// client can put in a log line.
const anyCodeUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 200,
});

// Path-like strings: path punctuation, escapes, digits and id-ish characters
// are far more likely than in uniform text, so the interesting branches run.
const pathLike = fc.string({
  unit: fc.constantFrom(
    ...'/?#%;.@-_=+:aAfFzZ09'.split(''),
    '..',
    '%2e',
    '%2F',
    '%zz',
    '%C3%A9',
    '1042',
    'users',
    'é',
    '\uD800',
  ),
  maxLength: 80,
});

const anyPath = fc.oneof(fc.string({ unit: 'binary' }), anyCodeUnits, pathLike, fc.webPath());

describe('normalizePath properties', () => {
  it('never throws and always returns a well-formed route', () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        const result = normalizePath(path);
        expect(result.route.startsWith('/')).toBe(true);
        expect(result.route.length).toBeLessThanOrEqual(MAX_ROUTE_LENGTH);
        expect(result.route === '/' || !result.route.endsWith('/')).toBe(true);
        expect(result.route).not.toContain('//');
      }),
      { numRuns: 2000 },
    );
  });

  it('never leaves a digits-only segment in the route', () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        for (const segment of normalizePath(path).route.split('/')) {
          expect(/^[0-9]+$/.test(segment)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the object id from the path: a substring of it, once percent-decoded', () => {
    fc.assert(
      fc.property(anyPath, (path) => {
        const { objectId } = normalizePath(path);
        if (objectId === undefined) return;
        expect(objectId.length).toBeGreaterThan(0);
        expect(decodePercent(path)).toContain(objectId);
        if (!path.includes('%')) expect(path).toContain(objectId);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives numericId exactly when the id is a safe integer', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n }), pathLike, (id, prefix) => {
        const result = normalizePath(`/${prefix.replaceAll('?', '').replaceAll('#', '')}/${id}`);
        expect(result.objectId).toBe(String(id));
        const safe = id <= BigInt(Number.MAX_SAFE_INTEGER);
        expect(result.numericId).toBe(safe ? Number(id) : undefined);
      }),
      { numRuns: 1000 },
    );
  });

  it('survives huge inputs', () => {
    fc.assert(
      fc.property(anyPath, fc.integer({ min: 1000, max: 20_000 }), (unit, times) => {
        expect(() => normalizePath(unit.repeat(times).slice(0, 200_000))).not.toThrow();
      }),
      { numRuns: 50 },
    );
  });
});
