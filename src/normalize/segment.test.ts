import { describe, expect, it } from 'vitest';
import { classifySegment } from './segment.js';

describe('classifySegment', () => {
  it.each([
    ['0', 'numeric'],
    ['1042', 'numeric'],
    ['99999999999999999999999', 'numeric'],
    ['123e4567-e89b-12d3-a456-426614174000', 'uuid'],
    ['123E4567-E89B-12D3-A456-426614174000', 'uuid'],
    ['9fceb02d', 'hex'],
    ['DEADBEEF0', 'hex'],
    ['abcdefabcdefabcd', 'hex'],
    ['6d86454ebb7a850bcd7e80abe86fe683370018a6', 'hex'],
    ['123e4567e89b12d3a456426614174000', 'hex'],
    ['ann@example.com', 'email'],
    ["o'neil.x+tag@mail.example.org", 'email'],
    ['a@b.c', 'email'],
    ['Zx3_kP9qL2mN8vRt', 'token'],
    ['dGhpcyBpcyBhIHRva2VuMQ', 'token'],
    ['aGVsbG8gd29ybGQgMTIz==', 'token'],
    ['abc+defghi12345678', 'token'],
    ['c2ktp3x9q0000abcdefgh', 'token'],
    // A UUID one character short is no UUID, but still random enough to be a token.
    ['123e4567-e89b-12d3-a456-42661417400', 'token'],
  ])('%s is %s', (segment, kind) => {
    expect(classifySegment(segment)).toBe(kind);
  });

  it.each([
    '',
    'users',
    'api',
    'v1',
    'deadbeef', // hex letters only, under 16: a word
    'facade',
    'abc1234', // 7 hex chars: too short
    '1042.json', // suffixes are route.ts's business
    '-1',
    '1,000',
    '١٢٣', // Arabic-Indic digits: not ASCII
    '@me',
    'ann@',
    'ann@example',
    'ann@example.',
    'ann@.example.com',
    'ann@exa_mple.com',
    'ann%40example.com',
    'a b@example.com',
    'logstash-monitorama-2013',
    'html5-video-player-demo',
    'GetUserProfileById',
    'abcdefghijklmnopqrstuvwxyz', // long, but no digit
    'Zx3kP9qL2mN8vRt', // 15 chars: too short for a token
    'Zx3_kP9qL2mN8vRt===', // three "=" is not padding
    'Zx3.kP9qL2mN8vRtQ',
    'a1-b2-c3-d4-e5-f6-g7', // long, mixed, but no run of 8
  ])('%j is literal', (segment) => {
    expect(classifySegment(segment)).toBeUndefined();
  });
});
