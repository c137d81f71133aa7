import { describe, expect, it } from 'vitest';
import { compileRouteGlob } from './route-glob.js';

describe('compileRouteGlob', () => {
  const cases: [string, string, boolean][] = [
    ['/api/users/:id', '/api/users/:id', true],
    ['/api/users/:id', '/api/users/:id/orders', false],
    ['/api/*/:id', '/api/users/:id', true],
    ['/api/*', '/api', false],
    ['/api/**', '/api', true],
    ['/api/**', '/api/a/b/c', true],
    ['/**/export', '/api/v2/users/export', true],
    ['/**/export', '/export', true],
    ['/**/export/**', '/api/export/users', true],
    ['/**/export/**', '/api/exports/users', false],
    ['/a/**/b/**/c', '/a/x/b/y/z/c', true],
    ['/a/**/b/**/c', '/a/x/c', false],
    ['/API/Users/:id', '/api/users/:id', true],
  ];
  it.each(cases)('%s against %s is %s', (glob, route, expected) => {
    expect(compileRouteGlob(glob)(route)).toBe(expected);
  });

  it('stays linear on a hostile pattern and route', () => {
    const glob = '/' + Array.from({ length: 50 }, () => '**/a').join('/') + '/b';
    const route = '/' + Array.from({ length: 5000 }, () => 'a').join('/');
    const began = performance.now();
    expect(compileRouteGlob(glob)(route)).toBe(false);
    // 51 × 5,000 table steps: milliseconds, not the exponential time of backtracking.
    expect(performance.now() - began).toBeLessThan(2000);
  });
});
