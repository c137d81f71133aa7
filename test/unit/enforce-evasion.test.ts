// Enforcement seen from both sides. The attacker, locked out, tries to be let through
// anyway: decoy cookies, other addresses in the locked /64, the same address written
// another way, a forged X-Forwarded-For hop. And the innocent crowd must not pay for one
// member: neighbours behind a NAT, a crawler spread over a /48, a shadow lockout.
// The checks come through a trusted gateway on loopback, as nginx sends them.
import { describe, expect, it } from 'vitest';
import type { RequestView } from '../../src/enforce/index.js';
import { TableEnforcer } from '../support/enforcer.js';

const GATEWAY = '127.0.0.1';

function request(xff: string, headers: Record<string, string> = {}): RequestView {
  return { remoteAddress: GATEWAY, headers: { 'x-forwarded-for': xff, ...headers } };
}

describe('a locked-out attacker', () => {
  const enforcer = new TableEnforcer({ sessionCookie: 'sid' });
  enforcer.lock({ scope: 'ip', subject: '203.0.113.7' });
  enforcer.lock({ scope: 'ip', subject: '2001:db8:1:2::/64', rule: 'slow-id-scan' });
  enforcer.lock({ scope: 'session', subject: 'stolen-session' });
  const status = (view: RequestView) => enforcer.check(view).status;

  it('is refused whichever side of a decoy its session cookie is sent', () => {
    for (const cookie of [
      'sid=fresh-decoy; sid=stolen-session',
      'sid=stolen-session; sid=fresh-decoy',
      `${Array.from({ length: 100 }, (_, i) => `sid=pad${i}`).join('; ')}; sid=stolen-session`,
    ]) {
      expect(status(request('198.51.100.20', { cookie })), cookie.slice(0, 40)).toBe(403);
    }
  });

  it('is refused from any address of its locked /64', () => {
    for (let i = 0; i < 64; i++) {
      const host = [1, 2, 3, 4].map(() => Math.floor(Math.random() * 0x10000).toString(16));
      expect(status(request(`2001:db8:1:2:${host.join(':')}`))).toBe(403);
    }
  });

  it('is refused with its address written another way', () => {
    for (const written of [
      '::ffff:203.0.113.7', // IPv4-mapped IPv6
      '::ffff:cb00:7107', // the same, in hex
      '64:ff9b::203.0.113.7', // NAT64
      '203.0.113.7:51234', // with a port, as some proxies write it
      '[::ffff:203.0.113.7]:443',
      ' 203.0.113.7 ',
    ]) {
      expect(status(request(written)), written).toBe(403);
    }
  });

  it('gains nothing by dropping its cookie: the address still refuses', () => {
    expect(status(request('203.0.113.7'))).toBe(403);
  });

  it('cannot borrow an address by writing it left of the gateway’s hop', () => {
    // The locked client puts an innocent address first; the gateway appended the real one.
    expect(status(request('192.0.2.55, 203.0.113.7'))).toBe(403);
    // Nor frame someone: a locked address it writes itself is not believed.
    expect(status(request('203.0.113.7, 198.51.100.21'))).toBe(200);
  });
});

describe('the innocent crowd', () => {
  const enforcer = new TableEnforcer({ sessionCookie: 'sid' });
  // One user behind a NAT was locked by session; the NAT address itself is in shadow.
  enforcer.lock({ scope: 'session', subject: 'scraper-session' });
  enforcer.lock({ scope: 'ip', subject: '192.0.2.1', mode: 'shadow', rule: 'object-breadth' });
  // A crawler's /64 is locked; its siblings in the same /48 belong to other customers.
  enforcer.lock({ scope: 'ip', subject: '2001:db8:aa:1::/64' });

  it('lets every neighbour behind the NAT through, and refuses only the locked session', () => {
    const outcomes = Array.from(
      { length: 200 },
      (_, i) => enforcer.check(request('192.0.2.1', { cookie: `sid=user-${i}` })).outcome,
    );
    expect(new Set(outcomes)).toEqual(new Set(['shadow']));
    expect(enforcer.check(request('192.0.2.1', { cookie: 'sid=scraper-session' })).status).toBe(
      403,
    );
  });

  it('lets other /64s of the same /48 through', () => {
    for (let net = 2; net < 50; net++) {
      expect(enforcer.check(request(`2001:db8:aa:${net.toString(16)}::1`)).status).toBe(200);
    }
    expect(enforcer.check(request('2001:db8:aa:1::1')).status).toBe(403);
  });
});
