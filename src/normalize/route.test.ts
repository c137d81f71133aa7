import { describe, expect, it } from 'vitest';
import { normalizePath } from './route.js';

const UUID = '123e4567-e89b-12d3-a456-426614174000';

describe('normalizePath: ids', () => {
  it('templates a numeric id and splits off the query', () => {
    expect(normalizePath('/api/users/1042?x=1')).toStrictEqual({
      route: '/api/users/:id',
      objectId: '1042',
      idKind: 'numeric',
      numericId: 1042,
      query: 'x=1',
      isStatic: false,
    });
  });

  it.each([
    ['/orgs/7/users/1042', '/orgs/:id/users/:id', '1042'],
    ['/orgs/7/users', '/orgs/:id/users', '7'],
    ['/api/v1/users/0', '/api/v1/users/:id', '0'],
    ['/a/007', '/a/:id', '007'],
  ])('%s → %s, object %s (the last id)', (path, route, objectId) => {
    const result = normalizePath(path);
    expect(result.route).toBe(route);
    expect(result.objectId).toBe(objectId);
  });

  it('keeps numericId only within Number.MAX_SAFE_INTEGER', () => {
    expect(normalizePath('/u/9007199254740991').numericId).toBe(Number.MAX_SAFE_INTEGER);
    const beyond = normalizePath('/u/9007199254740993');
    expect(beyond.objectId).toBe('9007199254740993');
    expect(beyond.idKind).toBe('numeric');
    expect(beyond).not.toHaveProperty('numericId');
    expect(normalizePath('/u/0007').numericId).toBe(7);
  });

  it.each([
    [`/orders/${UUID}`, 'uuid', UUID],
    [`/orders/${UUID.toUpperCase()}`, 'uuid', UUID.toUpperCase()],
    ['/commits/9fceb02d', 'hex', '9fceb02d'],
    [
      '/blobs/6d86454ebb7a850bcd7e80abe86fe683370018a6',
      'hex',
      '6d86454ebb7a850bcd7e80abe86fe683370018a6',
    ],
    ['/objects/abcdefabcdefabcd', 'hex', 'abcdefabcdefabcd'],
    ['/share/Zx3_kP9qL2mN8vRt', 'token', 'Zx3_kP9qL2mN8vRt'],
    ['/t/eyJhbGciOiJIUzI1NiJ9', 'token', 'eyJhbGciOiJIUzI1NiJ9'],
    ['/t/cus_NffrFeUfNV2Hib', 'token', 'cus_NffrFeUfNV2Hib'],
    ['/t/aGVsbG8gd29ybGQgMTIz==', 'token', 'aGVsbG8gd29ybGQgMTIz=='],
    ['/users/ann.lee+x@example.co.uk', 'email', 'ann.lee+x@example.co.uk'],
    ['/users/ann%40example.com/orders', 'email', 'ann@example.com'],
  ])('%s is a %s id', (path, idKind, objectId) => {
    const result = normalizePath(path);
    expect(result.idKind).toBe(idKind);
    expect(result.objectId).toBe(objectId);
    expect(result.route).toMatch(/:id/);
    expect(result).not.toHaveProperty('numericId');
  });

  it.each([
    ['/presentations/logstash-monitorama-2013/', '/presentations/logstash-monitorama-2013'],
    ['/blog/geekery/ssl-latency.html', '/blog/geekery/ssl-latency.html'],
    [
      '/files/logstash/logstash-1.3.2-monolithic.jar',
      '/files/logstash/logstash-1.3.2-monolithic.jar',
    ],
    ['/words/deadbeef', '/words/deadbeef'],
    ['/words/facade', '/words/facade'],
    ['/api/v2/html5-video-player-demo', '/api/v2/html5-video-player-demo'],
    ['/api/GetUserProfileById', '/api/getuserprofilebyid'],
    ['/users/@me', '/users/@me'],
    ['/users/a@b', '/users/a@b'],
    ['/users/-1', '/users/-1'],
    ['/v/x1.2.3', '/v/x1.2.3'],
  ])('%s stays literal: %s', (path, route) => {
    const result = normalizePath(path);
    expect(result.route).toBe(route);
    expect(result).not.toHaveProperty('objectId');
  });

  it('drops a format suffix after an id from the route: one record, one route', () => {
    expect(normalizePath('/api/users/1042.json')).toMatchObject({
      route: '/api/users/:id',
      objectId: '1042',
      numericId: 1042,
    });
    expect(normalizePath('/dl/6d86454ebb7a850bcd7e80abe86fe683370018a6.tar.gz')).toMatchObject({
      route: '/dl/:id',
      objectId: '6d86454ebb7a850bcd7e80abe86fe683370018a6',
    });
  });
});

describe('normalizePath: static assets', () => {
  it.each([
    '/favicon.ico',
    '/style2.css',
    '/images/jordan-80.png',
    '/IMG/Photo.JPG',
    '/js/app.mjs',
    '/js/app.js.map',
    '/fonts/a.woff2',
    '/fonts/a.eot',
    '/img/a.avif?v=3',
    '/images/1042.webp',
    '/a.png/',
  ])('%s is static', (path) => {
    expect(normalizePath(path).isStatic).toBe(true);
  });

  it.each(['/', '/robots.txt', '/a.json', '/png', '/a.png/x', '/x?f=a.png', '/a.jsx', '/.'])(
    '%s is not static',
    (path) => {
      expect(normalizePath(path).isStatic).toBe(false);
    },
  );
});
