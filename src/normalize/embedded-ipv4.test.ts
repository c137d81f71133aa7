import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrSet } from './cidr-set.js';
import { formatCidr, parseCidr } from './cidr.js';
import { actorIp, parseIp } from './ip.js';

const dotted = (value: number) =>
  [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
/**
 * Client addresses: not in 0.0.0.0/8 (no client; ::0.x.y.z is in ::/112, loopback's)
 * and not a network `a.0.0.0`, which a local-use prefix does not decode (see below).
 */
const clientIpv4 = fc
  .integer({ min: 0x01000000, max: 0xffffffff })
  .filter((value) => (value & 0xffffff) !== 0 && ((value ^ 0x100) & 0xffffff) !== 0);
const hexTail = (value: number) =>
  `${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;

/** Every spelling of an IPv4 address that a translator or a dual-stack socket reports. */
const EMBEDDINGS: readonly ((value: number) => string)[] = [
  (v) => `64:ff9b::${dotted(v)}`, // NAT64/SIIT well-known prefix, RFC 6052
  (v) => `64:ff9b::${hexTail(v)}`,
  (v) => `64:FF9B:0:0:0:0:${dotted(v)}`,
  (v) => `64:ff9b:1::${dotted(v)}`, // local-use, RFC 8215
  (v) => `64:ff9b:1:abcd:0:12:${hexTail(v)}`,
  (v) => `::ffff:${dotted(v)}`, // mapped
  (v) => `::ffff:${hexTail(v)}`,
  (v) => `[::ffff:${dotted(v)}]`,
  (v) => `::${dotted(v)}`, // compatible (deprecated)
  (v) => `0:0:0:0:0:0:${hexTail(v)}`,
];

describe('IPv4 embedded in IPv6 is that IPv4 address', () => {
  it.each([
    ['64:ff9b::1.2.3.4', '1.2.3.4'],
    ['64:ff9b::102:304', '1.2.3.4'],
    ['64:ff9b:1::1.2.3.4', '1.2.3.4'],
    ['64:ff9b:1:ffff::c000:221', '192.0.2.33'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::1.2.3.4', '1.2.3.4'],
    ['::102:304', '1.2.3.4'],
    ['[64:ff9b::1.2.3.4]', '1.2.3.4'],
  ])('actor of %s is %s', (ip, actor) => {
    expect(actorIp(ip, 64)).toBe(actor);
  });

  it.each([
    // Loopback and unspecified sit in ::/96 but are not compatible IPv4 addresses.
    ['::1', '::/64'],
    ['::', '::/64'],
    ['::ffff', '::/64'],
    // A local-use translator with a prefix shorter than /96 (here /64: the IPv4 in bits
    // 72–103) leaves a network-like last 32 bits; read as IPv4 they would merge clients.
    ['64:ff9b:1:0:1:203:400:0', '64:ff9b:1::/64'],
    // Neither 6to4 nor Teredo is decoded.
    ['2002:102:304::1', '2002:102:304::/64'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:0:4136:e378::/64'],
    ['64:ff9b:2::1.2.3.4', '64:ff9b:2::/64'],
    ['64:ff9c::1.2.3.4', '64:ff9c::/64'],
  ])('%s stays IPv6: actor %s', (ip, actor) => {
    expect(actorIp(ip, 64)).toBe(actor);
    expect(parseIp(ip)?.family).toBe(6);
  });

  it('gives any IPv4 address in any embedded form the actor of the plain address', () => {
    fc.assert(
      fc.property(
        clientIpv4,
        fc.constantFrom(...EMBEDDINGS),
        fc.integer({ min: 0, max: 128 }),
        (value, embed, prefix) => {
          expect(actorIp(embed(value), prefix)).toBe(dotted(value));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('matches an IPv4 allowlist entry in every embedded form, and nothing outside it', () => {
    fc.assert(
      fc.property(
        clientIpv4,
        fc.constantFrom(...EMBEDDINGS),
        fc.boolean(),
        (value, embed, inside) => {
          const probe = inside ? value : (value ^ 0x100) >>> 0; // another /24
          const allowlist = new CidrSet([`${dotted(value & 0xffffff00)}/24`]);
          expect(allowlist.has(embed(probe))).toBe(inside);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('CIDRs inside an embedding range are IPv4 CIDRs', () => {
  it.each([
    ['64:ff9b::10.0.0.0/104', '10.0.0.0/8'],
    ['64:ff9b::/96', '0.0.0.0/0'],
    ['64:ff9b:1:2::10.1.0.0/112', '10.1.0.0/16'],
    ['::10.0.0.0/104', '10.0.0.0/8'],
    // Shorter than /96, or in ::/112 (loopback): IPv6, matching IPv6 clients only.
    ['64:ff9b::/64', '64:ff9b::/64'],
    ['::/96', '::/96'],
    ['::1/128', '::1/128'],
  ])('%s → %s', (text, canonical) => {
    expect(formatCidr(parseCidr(text))).toBe(canonical);
  });

  it('names the network meant when host bits are set, in the spelling given', () => {
    expect(() => parseCidr('64:ff9b::1.2.3.4/120')).toThrow('did you mean 64:ff9b::102:300/120?');
  });

  it('lets a translated CIDR match the plain IPv4 address', () => {
    const allowlist = new CidrSet(['64:ff9b::192.0.2.0/120']);
    expect(allowlist.has('192.0.2.77')).toBe(true);
    expect(allowlist.has('::ffff:192.0.2.77')).toBe(true);
    expect(allowlist.has('192.0.3.77')).toBe(false);
  });
});
