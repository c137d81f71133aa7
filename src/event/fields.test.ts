import { describe, expect, it } from 'vitest';
import { isHttpMethod, isIpAddress, requestPath } from './fields.js';

describe('requestPath', () => {
  it.each([
    ['/a/b?c=1', '/a/b?c=1'],
    ['http://host/a?b', '/a?b'],
    ['HTTPS://host:8443/x', '/x'],
    ['https://host', '/'],
    ['https://host?q=1', '/?q=1'],
    ['*', undefined],
    ['host:443', undefined],
    ['', undefined],
    ['ftp://host/a', undefined],
  ])('%j → %j', (target, expected) => {
    expect(requestPath(target)).toBe(expected);
  });

  it('truncates to 8192 characters', () => {
    expect(requestPath(`/${'a'.repeat(10_000)}`)).toHaveLength(8192);
  });
});

describe('field checks', () => {
  it.each([
    ['GET', true],
    ['M-SEARCH', true],
    ['get', true],
    ['', false],
    ['G T', false],
    ['GÉT', false],
    ['X'.repeat(33), false],
  ])('isHttpMethod(%j) is %s', (method, expected) => {
    expect(isHttpMethod(method)).toBe(expected);
  });

  it.each([
    ['83.149.9.216', true],
    ['2001:db8::1', true],
    ['::ffff:10.0.0.1', true],
    ['010.0.0.1', false],
    ['10.0.0.1 ', false],
    ['example.com', false],
    [`1::${'1:'.repeat(40)}`, false],
  ])('isIpAddress(%j) is %s', (ip, expected) => {
    expect(isIpAddress(ip)).toBe(expected);
  });
});
