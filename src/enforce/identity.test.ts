import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, IdentityReader } from './identity.js';

const GATEWAY = '127.0.0.1';

function from(remoteAddress: string | undefined, headers: Record<string, string> = {}) {
  return { remoteAddress, headers };
}

describe('IdentityReader: the client address', () => {
  const reader = new IdentityReader({ trustedProxies: ['127.0.0.0/8', '10.0.0.0/8'] });

  it('takes the rightmost X-Forwarded-For hop that is not a trusted proxy', () => {
    const headers = { 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.0.0.2, 10.0.0.3' };
    expect(reader.identify(from(GATEWAY, headers)).ip).toBe('203.0.113.7');
  });

  it('takes the leftmost hop when every hop is a trusted proxy', () => {
    const headers = { 'x-forwarded-for': '10.0.0.9,10.0.0.2' };
    expect(reader.identify(from(GATEWAY, headers)).ip).toBe('10.0.0.9');
  });

  it('an unparseable hop on the way makes the address unreadable (not the peer, not a guess)', () => {
    const headers = { 'x-forwarded-for': '203.0.113.7, not-an-ip, 10.0.0.2' };
    expect(reader.identify(from(GATEWAY, headers))).toEqual({ addressUnreadable: true });
  });

  it('a caller that is not a trusted proxy is judged by its own address, whatever it sends', () => {
    const headers = { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.8' };
    expect(reader.identify(from('192.0.2.5', headers)).ip).toBe('192.0.2.5');
  });

  it('a trusted caller without the header is the client itself', () => {
    expect(reader.identify(from('10.1.2.3')).ip).toBe('10.1.2.3');
  });

  it('no peer address and no header: no address', () => {
    expect(reader.identify(from(undefined))).toEqual({});
  });

  it('reads X-Real-IP when so configured, and only that header', () => {
    const realIp = new IdentityReader({ clientAddressHeader: 'x-real-ip' });
    expect(realIp.identify(from(GATEWAY, { 'x-real-ip': '203.0.113.7' })).ip).toBe('203.0.113.7');
    expect(realIp.identify(from(GATEWAY, { 'x-forwarded-for': '203.0.113.7' })).ip).toBe(GATEWAY);
    expect(realIp.identify(from(GATEWAY, { 'x-real-ip': 'garbage' }))).toEqual({
      addressUnreadable: true,
    });
  });

  it('counts IPv4-mapped IPv6 peers (::ffff:127.0.0.1) as loopback, and ::1 too', () => {
    const defaults = new IdentityReader();
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    expect(defaults.identify(from('::ffff:127.0.0.1', headers)).ip).toBe('203.0.113.7');
    expect(defaults.identify(from('::1', headers)).ip).toBe('203.0.113.7');
    expect(defaults.identify(from('::ffff:192.0.2.5', headers)).ip).toBe('192.0.2.5');
  });

  it('reads the [v6]:port and v4:port forms, and IPv4-mapped clients as IPv4', () => {
    expect(canonicalAddress('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(canonicalAddress('203.0.113.7:5678')).toBe('203.0.113.7');
    expect(canonicalAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(canonicalAddress('2001:db8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalAddress('[2001:db8::1')).toBeUndefined();
    expect(canonicalAddress('')).toBeUndefined();
    expect(canonicalAddress(undefined)).toBeUndefined();
    const headers = { 'x-forwarded-for': '[2001:db8::1]:443, 203.0.113.9:80' };
    expect(reader.identify(from(GATEWAY, headers)).ip).toBe('203.0.113.9');
  });

  it('looks an IPv6 client up under each prefix length the table holds', () => {
    const keys = reader.subjectKeys({ ip: '2001:db8:1:2::ffff' }, [64, 48]);
    expect(keys).toEqual(['ip:2001:db8:1:2::ffff', 'ip:2001:db8:1:2::/64', 'ip:2001:db8:1::/48']);
    expect(reader.subjectKeys({ ip: '203.0.113.7' }, [64])).toEqual(['ip:203.0.113.7']);
  });

  it('whatever a client writes left of the trusted proxy’s hop never changes the identity', () => {
    // The gateway (trusted, 10.0.0.2) appends the client's address 203.0.113.7: anything
    // before it came from the client.
    const anything = fc.array(
      fc.oneof(
        fc.ipV4(),
        fc.ipV6(),
        fc.string({ maxLength: 20 }).filter((s) => !s.includes(',')),
      ),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(anything, (forged) => {
        const value = [...forged, '203.0.113.7', '10.0.0.2'].join(', ');
        expect(reader.identify(from(GATEWAY, { 'x-forwarded-for': value })).ip).toBe('203.0.113.7');
      }),
    );
  });
});

describe('IdentityReader: session and user', () => {
  it('reads the named cookie, quoted or not; absent or empty is no session', () => {
    const reader = new IdentityReader({ sessionCookie: 'sid' });
    const sessions = (cookie: string) => reader.identify(from(GATEWAY, { cookie })).sessions;
    expect(sessions('theme=dark; sid=abc123; other=1')).toEqual(['abc123']);
    expect(sessions('sid="quoted value"')).toEqual(['quoted value']);
    expect(sessions('xsid=nope; sidx=nope')).toBeUndefined();
    expect(sessions('sid=')).toBeUndefined();
    expect(reader.identify(from(GATEWAY)).sessions).toBeUndefined();
  });

  it('judges the cookie and the session header both, the cookie first', () => {
    const reader = new IdentityReader({ sessionCookie: 'sid', sessionHeader: 'X-Session' });
    const both = reader.identify(from(GATEWAY, { cookie: 'sid=c', 'x-session': 'h' }));
    expect(both.sessions).toEqual(['c', 'h']);
    expect(reader.identify(from(GATEWAY, { 'x-session': 'h' })).sessions).toEqual(['h']);
  });

  // Evasion: a locked client sends a fresh cookie before its own, betting that the
  // enforcer reads the first and the application the last (or the reverse).
  it('judges every occurrence of the cookie, so a decoy before or after the locked one hides nothing', () => {
    const reader = new IdentityReader({ sessionCookie: 'sid' });
    const keys = (cookie: string) =>
      reader.subjectKeys(reader.identify(from(GATEWAY, { cookie })), []);
    expect(keys('sid=decoy; sid=locked')).toEqual(
      expect.arrayContaining(['session:decoy', 'session:locked']),
    );
    expect(keys('sid=locked; sid=decoy')).toContain('session:locked');
    // Padding with hundreds of decoys: the first and the last occurrences are still judged.
    const padded = [
      'sid=locked-first',
      ...Array.from({ length: 300 }, (_, i) => `sid=d${i}`),
      'sid=locked-last',
    ].join('; ');
    const judged = keys(padded);
    expect(judged).toContain('session:locked-first');
    expect(judged).toContain('session:locked-last');
    expect(judged.length).toBeLessThanOrEqual(33);
  });

  it('hashes the session as the access logs carry it, cut to the configured length', () => {
    const sha = createHash('sha256').update('abc123').digest('hex');
    const full = new IdentityReader({ sessionCookie: 'sid', sessionHash: 'sha256' });
    const cut = new IdentityReader({
      sessionCookie: 'sid',
      sessionHash: 'sha256',
      sessionHashLength: 16,
    });
    expect(full.identify(from(GATEWAY, { cookie: 'sid=abc123' })).sessions).toEqual([sha]);
    expect(cut.identify(from(GATEWAY, { cookie: 'sid=abc123' })).sessions).toEqual([
      sha.slice(0, 16),
    ]);
  });

  it('reads the user header (case-insensitive name) and names every identity’s key', () => {
    const reader = new IdentityReader({ userHeader: 'X-User', sessionHeader: 'x-session' });
    const who = reader.identify(from('192.0.2.5', { 'x-user': ' bob ', 'x-session': 's1' }));
    expect(who).toEqual({ ip: '192.0.2.5', sessions: ['s1'], user: 'bob' });
    expect(reader.subjectKeys(who, [])).toEqual(['ip:192.0.2.5', 'session:s1', 'user:bob']);
  });

  it('refuses an invalid trusted-proxy CIDR at construction', () => {
    expect(() => new IdentityReader({ trustedProxies: ['10.0.0.0/99'] })).toThrow();
  });
});
