import { describe, expect, it } from 'vitest';
import { MAX_PATH_SCAN, MAX_ROUTE_LENGTH, normalizePath, TRUNCATED } from './route.js';

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
    ['/a\u0000b', '/a\u0000b'],
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

  it('reads at most MAX_PATH_SCAN characters of the path', () => {
    const path = '/a'.repeat(MAX_PATH_SCAN) + '/1042';
    expect(normalizePath(path)).not.toHaveProperty('objectId');
  });

  it('handles a megabyte of slashes, dots or escapes quickly', () => {
    const started = performance.now();
    for (const unit of ['/', '/..', '%', '%zz', '/a;', '@', '-1']) {
      normalizePath(unit.repeat(1_000_000 / unit.length));
    }
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
