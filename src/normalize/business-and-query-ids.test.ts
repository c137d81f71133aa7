// Issue 14 item 2: prefixed (business-key) ids in path segments and ids in the query.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idParamName } from './query.js';
import { idSpaceRoute, normalizePath } from './route.js';
import { classifySegment, prefixedNumber } from './segment.js';

describe('classifySegment: prefixed ids', () => {
  it.each([
    ['INV-2026-000123', 123],
    ['EMP_00042', 42],
    ['FR-0093-000045', 45],
    ['PROJ-1', 1],
    ['ACCOUNT-77', 77],
    ['A-1', 1],
    ['inv-2026-000123', 123],
    ['emp_00042', 42],
    ['Inv-2026-000123', 123],
    ['EMP00042', 42],
    ['inv000123', 123],
    ['X2-B7-000900', 900],
    ['fex-20070729', 20070729],
  ])('%s is prefixed, number %d', (segment, number) => {
    expect(classifySegment(segment)).toBe('prefixed');
    expect(prefixedNumber(segment)).toBe(number);
  });

  it.each([
    'user-settings',
    'api_v2',
    'v1',
    'v2-beta',
    'h264',
    'mp3',
    'rfc2616', // 4 digits glued: not enough
    'logstash-puppetconf-2012',
    'logstash-monitorama-2013',
    'logstash-1',
    'grok-1',
    'page-2',
    'top-10',
    'covid-19',
    'week-of-unix-day-5',
    'a-b-c-001', // three lowercase codes
    'INV--000123', // empty group
    'INV-000123-', // ends in a separator
    '-INV-1',
    'INV-12345678901234567', // 17 digits
    'A-B-C-D-E-F-1', // 7 groups
    'INV 000123',
    'INV-2026-000123x',
    'EMPLOYEE00042', // glued code over 4 letters
  ])('%j is literal', (segment) => {
    expect(classifySegment(segment)).toBeUndefined();
  });

  it('leaves the earlier kinds first: hex, uuid and token keep their kind', () => {
    expect(classifySegment('ABC00042')).toBe('hex'); // the known gap of segment.ts
    expect(classifySegment('123e4567-e89b-12d3-a456-426614174000')).toBe('uuid');
    expect(classifySegment('2026-INV-1')).toBeUndefined(); // a leading number: segment-id.ts
  });

  it('is linear on hostile segments', () => {
    const hostile = ['A-'.repeat(50_000) + '1', 'A-' + '9'.repeat(100_000), '1-'.repeat(50_000)];
    const started = performance.now();
    for (const segment of hostile) expect(classifySegment(segment)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('normalizePath: prefixed ids', () => {
  it('templates a prefixed id, keeps its case, and numbers it by its last digit group', () => {
    expect(normalizePath('/v1/invoices/INV-2026-000123?x=1')).toStrictEqual({
      route: '/v1/invoices/:id',
      objectId: 'INV-2026-000123',
      idKind: 'prefixed',
      numericId: 123,
      query: 'x=1',
      isStatic: false,
    });
    const statements = normalizePath('/v1/accounts/FR-0093-000045/statements');
    expect(statements.route).toBe('/v1/accounts/:id/statements');
    expect(statements.numericId).toBe(45);
    expect(normalizePath('/hr/EMP_00042.json').objectId).toBe('EMP_00042');
  });

  it('gives no number beyond Number.MAX_SAFE_INTEGER', () => {
    const result = normalizePath('/x/INV-999999999999999');
    expect(result.idKind).toBe('prefixed');
    expect(result.numericId).toBe(999_999_999_999_999);
    expect(normalizePath('/x/INV-2026-9007199254740993')).not.toHaveProperty('numericId');
  });
});

describe('idParamName', () => {
  it.each([
    ['id', 'id'],
    ['ID', 'id'],
    ['Id', 'id'],
    ['customerId', 'customerid'],
    ['customer_id', 'customer_id'],
    ['userid', 'userid'],
    ['USERID', 'userid'],
    ['i%64', 'id'],
    ['customer%5Fid', 'customer_id'],
    ['invoice.id', 'invoice.id'],
  ])('%j is the id parameter %j', (key, name) => {
    expect(idParamName(key)).toBe(name);
  });

  it.each([
    '',
    'd',
    'page',
    'ids',
    'idx',
    'sessionid',
    'PHPSESSID',
    'gclid',
    'fbclid',
    'request_id',
    'since_id',
    'max_id',
    'filter[id]',
    'customer id',
    `${'a'.repeat(63)}id`,
    '%zzid%',
  ])('%j is no id parameter', (key) => {
    expect(idParamName(key)).toBeUndefined();
  });
});

describe('normalizePath: query ids', () => {
  it('reads the id from the query when the path has none, and the route records it', () => {
    expect(normalizePath('/api/user?id=123')).toStrictEqual({
      route: '/api/user?id=:id',
      objectId: '123',
      idKind: 'numeric',
      numericId: 123,
      query: 'id=123',
      isStatic: false,
    });
    expect(normalizePath('/api/user').route).toBe('/api/user');
    expect(normalizePath('/api/user?page=2').route).toBe('/api/user');
  });

  it.each([
    ['/api/user?ID=5', '/api/user?id=:id', '5', 5],
    ['/api/user?id=%35', '/api/user?id=:id', '5', 5],
    ['/api/user?i%64=5', '/api/user?id=:id', '5', 5],
    ['/api/user?id=+5', '/api/user?id=:id', '5', 5],
    ['/api/user?id=%2B5', '/api/user?id=:id', '5', 5],
    ['/api/user?id=0005', '/api/user?id=:id', '0005', 5],
    ['/api/user?id=5.json', '/api/user?id=:id', '5', 5],
    ['/API/User?Id=5#top', '/api/user?id=:id', '5', 5],
    ['/orders?customerId=77&sort=-date', '/orders?customerid=:id', '77', 77],
    ['/orders?customer_id=77', '/orders?customer_id=:id', '77', 77],
    ['/invoice?invoiceId=INV-2026-000123', '/invoice?invoiceid=:id', 'INV-2026-000123', 123],
    ['/?userid=9', '/?userid=:id', '9', 9],
  ])('%s → %s, object %s, number %d', (path, route, objectId, numericId) => {
    const result = normalizePath(path);
    expect(result.route).toBe(route);
    expect(result.objectId).toBe(objectId);
    expect(result.numericId).toBe(numericId);
  });

  it('takes several id values as one object numbered by their sum, whatever their order', () => {
    const a = normalizePath('/api/user?id=1&id=2');
    const b = normalizePath('/api/user?id=2&id=1');
    expect(a).toStrictEqual({ ...b, query: 'id=1&id=2' });
    expect(a.route).toBe('/api/user?id=:id');
    expect(a.objectId).toBe('1,2');
    expect(a.numericId).toBe(3);
    const two = normalizePath('/inv?tenantId=1&invoiceId=INV-2026-000009');
    expect(two.route).toBe('/inv?invoiceid=:id&tenantid=:id');
    expect(two.objectId).toBe('INV-2026-000009,1');
    expect(two.numericId).toBe(10);
    expect(normalizePath(`/x?id=1&id=${UUID}`)).not.toHaveProperty('numericId');
  });

  it('reads no id from values that are no ids, nor from session or tracker names', () => {
    for (const path of [
      '/api/user?id=',
      '/api/user?id',
      '/api/user?id=abc',
      '/api/user?id=%20',
      '/api/user?sessionid=5',
      '/search?q=1&gclid=123',
      '/timeline?since_id=100',
    ]) {
      const result = normalizePath(path);
      expect(result.route, path).toBe(path.slice(0, path.indexOf('?')));
      expect(result, path).not.toHaveProperty('objectId');
    }
  });

  it('never reads the query when the path has an id: a made-up parameter hides no path walk', () => {
    const result = normalizePath('/api/patients/7/record?x_id=1');
    expect(result.route).toBe('/api/patients/:id/record');
    expect(result.objectId).toBe('7');
  });

  it('keeps the route within MAX_ROUTE_LENGTH with many or long names', () => {
    const names = Array.from({ length: 20 }, (_, i) => `${'n'.repeat(60)}${i}id=${i}`);
    const route = normalizePath(`/${'a'.repeat(200)}?${names.join('&')}`).route;
    expect(route.length).toBeLessThanOrEqual(256);
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400 }), (path, query) => {
        const result = normalizePath(`/${path}?${query}`);
        expect(result.route.length).toBeLessThanOrEqual(256);
      }),
    );
  });

  it('is linear on hostile queries', () => {
    const started = performance.now();
    normalizePath(`/x?${'id=1&'.repeat(50_000)}`);
    normalizePath(`/x?${'i%64'.repeat(50_000)}=1`);
    normalizePath(`/x?${'&'.repeat(100_000)}`);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

const UUID = '123e4567-e89b-12d3-a456-426614174000';

describe('idSpaceRoute', () => {
  it.each([
    ['/api/user?id=:id', '/api/user/:id'],
    ['/inv?invoiceid=:id&tenantid=:id', '/inv/:id'],
    ['/?id=:id', '/:id'],
    ['/api/user/:id', '/api/user/:id'],
    ['/api/user', '/api/user'],
  ])('%s → %s', (route, space) => {
    expect(idSpaceRoute(route)).toBe(space);
  });
});
