import { describe, expect, it } from 'vitest';
import { MAX_SEGMENTS } from '../request-path/index.js';
import { MAX_ROUTE_LENGTH, normalizePath, TRUNCATED } from './route.js';

describe('normalizePath: slashes, dots, case', () => {
  it.each([
    ['', '/'],
    ['/', '/'],
    ['//', '/'],
    ['///a//b///', '/a/b'],
    ['/a/b/', '/a/b'],
    ['a/b', '/a/b'],
    ['/a/./b', '/a/b'],
    ['/a/b/../c', '/a/c'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/a/%2e%2e/b', '/b'],
    ['/API/Users', '/api/users'],
    ['/users/1042;jsessionid=ABC', '/users/:id'],
    ['/files/?C=D;O=A', '/files'],
    ['*', '/*'],
  ])('%j → %s', (path, route) => {
    expect(normalizePath(path).route).toBe(route);
  });

  it('removes an id popped by ".." from the object id too', () => {
    const result = normalizePath('/users/1042/orders/77/../../1043');
    expect(result.route).toBe('/users/:id/:id');
    expect(result.objectId).toBe('1043');
    expect(normalizePath('/users/1042/..')).not.toHaveProperty('objectId');
  });

  it('keeps the case of object ids', () => {
    expect(normalizePath('/S/Zx3_kP9qL2mN8vRt').objectId).toBe('Zx3_kP9qL2mN8vRt');
  });
});

describe('normalizePath: query and fragment', () => {
  it.each([
    ['/a?', '/a', ''],
    ['/a?b=1&c=2', '/a', 'b=1&c=2'],
    ['/?flav=rss20', '/', 'flav=rss20'],
    ['/doc/index.html?org/x/Y.html', '/doc/index.html', 'org/x/Y.html'],
    ['/a?x=1#frag', '/a', 'x=1'],
    ['/a#frag?x=1', '/a', ''],
    ['?only=query', '/', 'only=query'],
    ['/a?b?c', '/a', 'b?c'],
  ])('%j → route %s, query %j', (path, route, query) => {
    const result = normalizePath(path);
    expect(result.route).toBe(route);
    expect(result.query).toBe(query);
  });
});

describe('normalizePath: encodings and hostile input', () => {
  it.each([
    ['/%zz', '/%zz'],
    ['/a%', '/a%'],
    ['/a%4', '/a%4'],
    ['/caf%C3%A9', '/café'],
    ['/bad%C3%28', '/bad\uFFFD('],
    ['/%ff%fe', '/\uFFFD\uFFFD'],
    ['/a%2Fb', '/a/b'],
    ['/a%3Fb', '/a?b'],
    ['/%31%30%34%32', '/:id'],
    ['/caf\u00e9/ü', '/café/ü'],
    ['/a\u0000b/c', '/a/c'], // a NUL ends the segment, as it ends a C string
  ])('%j → %j without throwing', (path, route) => {
    expect(normalizePath(path).route).toBe(route);
  });

  it('reads the path of an absolute-form request target', () => {
    expect(normalizePath('http://example.com/users/7?a=1')).toMatchObject({
      route: '/users/:id',
      objectId: '7',
      query: 'a=1',
    });
    expect(normalizePath('HTTPS://example.com').route).toBe('/');
    expect(normalizePath('http://example.com?x=/1').route).toBe('/');
    expect(normalizePath('ftp://example.com/a').route).toBe('/ftp:/example.com/a');
  });

  it('caps the route between segments and marks the cut', () => {
    const long = '/section'.repeat(100) + '/1042';
    const result = normalizePath(long);
    expect(result.route.length).toBeLessThanOrEqual(MAX_ROUTE_LENGTH);
    expect(result.route.endsWith(`/section/${TRUNCATED}`)).toBe(true);
    expect(result.objectId).toBe('1042');
    expect(normalizePath('/' + 'x'.repeat(10_000)).route).toBe(`/${TRUNCATED}`);
  });

  it('keeps MAX_SEGMENTS segments of a deeper path, marked cut, and pops deeper ones first', () => {
    const deep = normalizePath('/a'.repeat(MAX_SEGMENTS) + '/1042');
    expect(deep).not.toHaveProperty('objectId');
    expect(deep.route.endsWith(`/${TRUNCATED}`)).toBe(true);
    const back = '/a'.repeat(MAX_SEGMENTS + 5) + '/..'.repeat(MAX_SEGMENTS + 3) + '/1042';
    expect(normalizePath(back)).toMatchObject({ route: '/a/a/:id', objectId: '1042' });
  });

  it('reads a megabyte of slashes, dots, escapes or padding in linear time', () => {
    // The whole path is read (padding must not hide the id), so the cost is linear in
    // it: 0.25–0.37 s of CPU for these 11 MB (measured on this 2-core VM). The bound is CPU
    // time, and loose, so that a busy machine passes and a quadratic scan does not.
    const started = process.cpuUsage();
    for (const unit of ['/', '/..', '%', '%zz', '/a;', '@', '-1', '/a', '%20', '/.', '1']) {
      normalizePath(unit.repeat(1_000_000 / unit.length));
    }
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(4000);
  }, 30_000);
});
