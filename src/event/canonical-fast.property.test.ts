// The hand-written checks of valid events (canonical.ts, validEvent) against the schema
// they stand in for: on every input both accept, or both refuse, and what they accept
// comes out the same, key order and -0 included. A fast path more lenient than the
// schema would let a malformed event into the windows; one stricter only costs speed,
// but is caught here too, so the fast path is known to serve the events it is for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEventSchema, parseCanonical, validEvent } from './canonical.js';

/** The event's fields, from the schema itself. */
const KEYS = Object.keys(canonicalEventSchema.shape) as (keyof typeof canonicalEventSchema.shape)[];

const valid = {
  ts: fc.oneof(
    fc.integer({ min: 0, max: 7_258_118_399_999 }),
    fc.double({ min: 0, max: 7.2e12, noNaN: true }),
    fc
      .date({ min: new Date(0), max: new Date('2200-12-31T23:59:59Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
    fc.constantFrom(
      '2015-05-17T10:05:03+02:00',
      '2015-05-17 10:05:03Z',
      '2015-05-17t10:05:03.5-0130',
    ),
  ),
  ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('::ffff:1.2.3.4', 'fe80::1%eth0')),
  method: fc.constantFrom('GET', 'get', 'Post', 'PROPFIND', 'M-SEARCH', "x!#$%&'*+-.^_`|~"),
  path: fc.oneof(
    fc.webPath().map((p) => `/${p.replace(/^\//, '')}`),
    fc.constantFrom('/a?b=1', 'http://h/x?y', 'HTTPS://h?q', 'https://h', `/${'a/'.repeat(5000)}`),
  ),
  status: fc.integer({ min: 100, max: 599 }),
  bytes: fc.oneof(fc.nat(), fc.constant(-0), fc.constant(Number.MAX_SAFE_INTEGER)),
  session: fc.string({ minLength: 1, maxLength: 40 }),
  user: fc.string({ minLength: 1, maxLength: 40 }),
  userAgent: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('u'.repeat(1500))),
  records: fc.nat(),
  id: fc.string({ minLength: 1, maxLength: 40 }),
};

/** What a producer gets wrong, or an attacker sends: every field's edge on both sides. */
const wrong = fc.oneof(
  fc.constantFrom(
    null,
    true,
    '',
    ' ',
    'x'.repeat(513),
    'x'.repeat(65),
    -1,
    -0,
    0.5,
    99,
    100,
    599,
    600,
    2 ** 53,
    -(2 ** 53),
    1e21,
    7_258_118_400_000,
    Number.MAX_VALUE,
    '1.2.3',
    '::g',
    'GET /',
    '*',
    'ftp://h/x',
    '1969-12-31T23:59:59.999Z',
    '2201-01-01T00:00:00Z',
    '2015-05-17T10:05:03',
    '2015-02-30T10:05:03Z',
  ),
  fc.jsonValue({ maxDepth: 1 }),
);

/** Drawn for a field left out of the record. */
const ABSENT = Symbol('absent');

/** Mostly valid fields, some absent, some replaced by a wrong value. */
const fields = fc
  .record(
    Object.fromEntries(
      KEYS.map((key) => [
        key,
        fc.oneof(
          { weight: 8, arbitrary: valid[key] as fc.Arbitrary<unknown> },
          { weight: 1, arbitrary: wrong },
          { weight: 1, arbitrary: fc.constant(ABSENT) },
        ),
      ]),
    ),
  )
  .map(
    (drawn) =>
      // Through JSON, as a record arrives: no undefined values, -0 written as 0.
      JSON.parse(
        JSON.stringify(Object.fromEntries(Object.entries(drawn).filter(([, v]) => v !== ABSENT))),
      ) as Record<string, unknown>,
  );

describe('validEvent, the schema without the schema', () => {
  it('accepts exactly what the schema accepts, with the same output', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fields, (input) => {
        const fast = validEvent(input);
        const schema = canonicalEventSchema.safeParse(input);
        expect(fast !== undefined).toBe(schema.success);
        if (fast === undefined || !schema.success) return;
        accepted += 1;
        expect(fast).toStrictEqual(schema.data);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(schema.data));
        expect(Object.is(fast.bytes, schema.data.bytes)).toBe(true);
      }),
      { numRuns: 4000 },
    );
    // Both sides exercised: a fair share of the inputs is valid, and the rest is not.
    expect(accepted).toBeGreaterThan(400);
    expect(accepted).toBeLessThan(3600);
  });

  it('gives -0 as the schema gives it (bytes: -0 is a count of zero)', () => {
    const input = { ts: 0, ip: '1.2.3.4', method: 'GET', path: '/', status: 200, bytes: -0 };
    expect(Object.is(validEvent(input)?.bytes, -0)).toBe(true);
    expect(Object.is(canonicalEventSchema.parse(input).bytes, -0)).toBe(true);
  });

  it('leaves a field present but undefined to the schema, which keeps the key', () => {
    const input = {
      ts: 0,
      ip: '1.2.3.4',
      method: 'GET',
      path: '/',
      status: 200,
      session: undefined,
    };
    expect(validEvent(input)).toBeUndefined();
    const outcome = parseCanonical(input);
    expect(outcome.ok && Object.keys(outcome.event)).toContain('session');
  });

  it('refuses through the schema, which words the rejection', () => {
    const outcome = parseCanonical({ ts: 0, ip: '1.2.3', method: 'GET', path: '/', status: 200 });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'EVENT_INVALID_FIELD' } });
    expect(!outcome.ok && outcome.error.message).toMatch(/ip/);
  });
});
