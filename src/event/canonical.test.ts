import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { AccessEvent } from './access-event.js';
import { canonicalEventSchema, parseCanonical } from './canonical.js';

const T = Date.UTC(2015, 4, 17, 10, 5, 3);
const valid = {
  ts: '2015-05-17T10:05:03Z',
  ip: '83.149.9.216',
  method: 'GET',
  path: '/a?b=1',
  status: 200,
};

function messageFor(patch: Record<string, unknown>): string | undefined {
  const outcome = parseCanonical({ ...valid, ...patch });
  return outcome.ok ? undefined : outcome.error.message;
}

describe('parseCanonical: accepted', () => {
  it('reads the required fields, defaults bytes to 0, converts ts to epoch ms', () => {
    expect(parseCanonical(valid)).toStrictEqual({
      ok: true,
      event: { ts: T, ip: '83.149.9.216', method: 'GET', path: '/a?b=1', status: 200, bytes: 0 },
    });
  });

  it('reads every optional field', () => {
    const full = {
      ...valid,
      ts: T,
      ip: '2001:db8::1',
      bytes: 5,
      records: 40,
      session: 's',
      user: 'u',
    };
    const outcome = parseCanonical({ ...full, userAgent: 'curl/8', id: 'e-1' });
    expect(outcome).toStrictEqual({ ok: true, event: { ...full, userAgent: 'curl/8', id: 'e-1' } });
  });

  it('ignores unknown fields and never copies them, __proto__ included', () => {
    const input = JSON.parse(
      '{"ts":0,"ip":"::1","method":"GET","path":"/","status":200,"extra":1,' +
        '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    ) as Record<string, unknown>;
    const outcome = parseCanonical(input);
    expect(outcome.ok && Object.keys(outcome.event)).toEqual([
      'ts',
      'ip',
      'method',
      'path',
      'status',
      'bytes',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('floors fractional epoch ms and reduces an absolute URL to its path', () => {
    const outcome = parseCanonical({ ...valid, ts: T + 0.9, path: 'https://x.example/a/b?c' });
    expect(outcome.ok && [outcome.event.ts, outcome.event.path]).toEqual([T, '/a/b?c']);
  });

  it('truncates over-long paths and user agents instead of rejecting the event', () => {
    const outcome = parseCanonical({
      ...valid,
      path: `/${'p'.repeat(9000)}`,
      userAgent: 'u'.repeat(2000),
    });
    expect(outcome.ok && [outcome.event.path.length, outcome.event.userAgent?.length]).toEqual([
      8192, 1024,
    ]);
  });
});

describe('parseCanonical: rejected, with the field named', () => {
  it.each([
    ['status: expected integer, got "OK"', { status: 'OK' }],
    ['status: expected integer, got 200.5', { status: 200.5 }],
    ['status: must be at least 100, got 99', { status: 99 }],
    ['status: must be at most 599, got 600', { status: 600 }],
    ['status: required field is missing', { status: undefined }],
    ['ip: expected an IPv4 or IPv6 address, got "10.0.0.256"', { ip: '10.0.0.256' }],
    ['ip: expected string, got 42', { ip: 42 }],
    ['method: expected an HTTP method (1 to 32 token characters), got "GE T"', { method: 'GE T' }],
    ['path: expected a path starting with "/", got "users/1"', { path: 'users/1' }],
    ['path: expected a path starting with "/", got ""', { path: '' }],
    ['bytes: must be at least 0, got -1', { bytes: -1 }],
    ['bytes: must be at most 9007199254740991, got 9007199254740992', { bytes: 2 ** 53 }],
    ['records: expected integer, got null', { records: null }],
    ['user: must not be empty (omit the field when there is no value)', { user: '' }],
    [`session: longer than 512 characters, got "${'s'.repeat(40)}…"`, { session: 's'.repeat(513) }],
    ['id: expected string, got an array', { id: ['x'] }],
    [
      'ts: expected ISO-8601 time with timezone, got "2015-05-17T10:05:03"',
      { ts: '2015-05-17T10:05:03' },
    ],
    ['ts: expected ISO-8601 time with timezone or epoch milliseconds, got true', { ts: true }],
    ['ts: time out of range (years 1970 to 2200), got -1', { ts: -1 }],
    [
      'ts: time out of range (years 1970 to 2200), got "2201-01-01T00:00:00Z"',
      { ts: '2201-01-01T00:00:00Z' },
    ],
    ['ts: time out of range (years 1970 to 2200), got 1e+300', { ts: 1e300 }],
  ])('%s', (message, patch) => {
    expect(messageFor(patch)).toBe(message);
  });

  it('reports the first field and lists the others', () => {
    const outcome = parseCanonical({ ts: 'soon', ip: 'x', method: 'GET', path: '/', status: 'OK' });
    expect(outcome).toStrictEqual({
      ok: false,
      error: {
        code: 'EVENT_INVALID_FIELD',
        field: 'ts',
        message: 'ts: expected ISO-8601 time with timezone, got "soon" (also invalid: ip, status)',
      },
    });
  });
});

describe('canonicalEventSchema', () => {
  it('outputs exactly the fields of AccessEvent', () => {
    expectTypeOf<keyof z.output<typeof canonicalEventSchema>>().toEqualTypeOf<keyof AccessEvent>();
  });

  it('generates the contract JSON Schema (input side)', () => {
    const schema = z.toJSONSchema(canonicalEventSchema, { io: 'input' });
    expect(schema.required).toEqual(['ts', 'ip', 'method', 'path', 'status']);
    expect(Object.keys(schema.properties ?? {})).toHaveLength(11);
  });
});
