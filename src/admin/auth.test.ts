import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FailureSlowDown, TokenAuthenticator, bearerToken, roleAllows } from './auth.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('TokenAuthenticator', () => {
  const auth = new TokenAuthenticator([
    { name: 'ana', role: 'viewer', hash: sha256('viewer-token-1') },
    { name: 'oscar', role: 'operator', hash: sha256('operator-token-2') },
  ]);

  it('names the caller of a configured token, with its role', () => {
    expect(auth.authenticate('Bearer viewer-token-1')).toEqual({ name: 'ana', role: 'viewer' });
    expect(auth.authenticate('bearer operator-token-2')).toEqual({
      name: 'oscar',
      role: 'operator',
    });
  });

  it('knows nobody without a header, with another scheme, or with a wrong token', () => {
    expect(auth.authenticate(undefined)).toBeUndefined();
    expect(auth.authenticate('')).toBeUndefined();
    expect(auth.authenticate('Basic dmlld2VyLXRva2VuLTE=')).toBeUndefined();
    expect(auth.authenticate('Bearer viewer-token-2')).toBeUndefined();
    expect(auth.authenticate(`Bearer ${sha256('viewer-token-1')}`)).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });

  it('orders roles viewer < operator < admin', () => {
    expect(roleAllows('viewer', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(roleAllows('operator', 'operator')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('admin', 'operator')).toBe(true);
  });
});

describe('FailureSlowDown', () => {
  it('doubles the delay per failure of one address up to the cap, and forgets on success', () => {
    const slow = new FailureSlowDown({ baseMs: 100, maxMs: 2000, now: () => 0 });
    const delays = Array.from({ length: 7 }, () => slow.failed('198.51.100.1'));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
    expect(slow.failed('198.51.100.2')).toBe(100);
    slow.succeeded('198.51.100.1');
    expect(slow.failed('198.51.100.1')).toBe(100);
  });

  it('starts afresh after a quiet spell and remembers a bounded number of addresses', () => {
    const clock = { ms: 0 };
    const slow = new FailureSlowDown({
      forgetAfterMs: 60_000,
      maxAddresses: 3,
      now: () => clock.ms,
    });
    slow.failed('a');
    expect(slow.failed('a')).toBe(200);
    clock.ms = 60_000;
    expect(slow.failed('a')).toBe(100);
    for (const address of ['b', 'c', 'd', 'e']) slow.failed(address);
    expect(slow.addresses).toBe(3);
    // 'a' failed least recently: forgotten first.
    expect(slow.failed('a')).toBe(100);
  });
});
