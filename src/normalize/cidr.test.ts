import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrSet } from './cidr-set.js';
import { formatCidr, parseCidr } from './cidr.js';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['1.2.3.4/32', '1.2.3.4/32'],
    ['1.2.3.4', '1.2.3.4/32'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['::/0', '::/0'],
    ['::1/128', '::1/128'],
    ['2001:db8::1', '2001:db8::1/128'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:0:0/96', '0.0.0.0/0'],
    ['::ffff:1.2.3.4', '1.2.3.4/32'],
    ['::/64', '::/64'],
  ])('%s → %s', (text, canonical) => {
    expect(formatCidr(parseCidr(text))).toBe(canonical);
  });

  it.each([
    ['', 'not an IPv4 or IPv6 address'],
    ['10.0.0.0/', 'prefix length must be an integer 0–32'],
    ['10.0.0.0/33', 'prefix length must be an integer 0–32'],
    ['10.0.0.0/08', 'prefix length must be an integer 0–32'],
    ['10.0.0.0/-1', 'prefix length must be an integer 0–32'],
    ['10.0.0.0/8/8', 'prefix length must be an integer 0–32'],
    ['::/129', 'prefix length must be an integer 0–128'],
    ['10.0.0.1/8', 'host bits are set; did you mean 10.0.0.0/8?'],
    ['2001:db8::1/64', 'host bits are set; did you mean 2001:db8::/64?'],
    ['::ffff:1.2.3.4/120', 'host bits are set; did you mean ::ffff:102:300/120?'],
    ['10.0.0/8', 'not an IPv4 or IPv6 address'],
    ['fe80::1%eth0/64', 'not an IPv4 or IPv6 address'],
    [' 10.0.0.0/8', 'not an IPv4 or IPv6 address'],
  ])('refuses %j: %s', (text, problem) => {
    expect(() => parseCidr(text)).toThrow(`Invalid CIDR ${JSON.stringify(text)}: ${problem}`);
  });
});

describe('CidrSet', () => {
  const set = new CidrSet([
    '10.0.0.0/8',
    '192.168.1.0/24',
    '203.0.113.7/32',
    '2001:db8::/32',
    '2001:db8:ffff:1::/64',
    '2a00:1450:4001:81c::200e/128',
    '::ffff:172.16.0.0/108',
  ]);

  it.each([
    ['10.1.2.3', true],
    ['11.0.0.1', false],
    ['192.168.1.255', true],
    ['192.168.2.1', false],
    ['203.0.113.7', true],
    ['203.0.113.8', false],
    ['::ffff:10.9.9.9', true],
    ['::ffff:11.9.9.9', false],
    ['172.31.255.255', true],
    ['172.32.0.0', false],
    ['2001:db8:1::1', true],
    ['2001:db9::1', false],
    ['2a00:1450:4001:81c::200e', true],
    ['2a00:1450:4001:81c::200f', false],
    ['[2001:db8::5]', true],
    ['2001:db8::5%eth0', true],
    ['not an ip', false],
    ['', false],
  ])('%s → %s', (ip, member) => {
    expect(set.has(ip)).toBe(member);
  });

  it('counts distinct networks', () => {
    expect(new CidrSet(['10.0.0.0/8', '10.0.0.0/8', '::ffff:10.0.0.0/104']).size).toBe(1);
    expect(set.size).toBe(7);
    expect(new CidrSet().size).toBe(0);
  });

  it('matches everything of one family with /0, and only that family', () => {
    const everyIpv4 = new CidrSet(['0.0.0.0/0']);
    const everyIpv6 = new CidrSet(['::/0']);
    expect(everyIpv4.has('8.8.8.8')).toBe(true);
    expect(everyIpv4.has('::ffff:8.8.8.8')).toBe(true);
    expect(everyIpv4.has('2001:db8::1')).toBe(false);
    expect(everyIpv6.has('2001:db8::1')).toBe(true);
    expect(everyIpv6.has('::')).toBe(true);
    // Mapped addresses are IPv4 clients; "::/0" is taken to mean IPv6 clients.
    expect(everyIpv6.has('::ffff:8.8.8.8')).toBe(false);
    expect(everyIpv6.has('8.8.8.8')).toBe(false);
  });

  it('accepts parsed CIDRs and names the first bad entry', () => {
    expect(new CidrSet([parseCidr('10.0.0.0/8')]).has('10.0.0.1')).toBe(true);
    expect(() => new CidrSet(['10.0.0.0/8', '10.0.0.1/8'])).toThrow('"10.0.0.1/8"');
  });

  it('agrees with a plain bit comparison for random IPv4 networks', () => {
    const ipv4 = fc.integer({ min: 0, max: 0xffffffff });
    const length = fc.integer({ min: 0, max: 32 });
    const text = (value: number) =>
      [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
    fc.assert(
      fc.property(ipv4, length, ipv4, (network, prefixLength, probe) => {
        const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
        const base = (network & mask) >>> 0;
        const cidrs = new CidrSet([`${text(base)}/${prefixLength}`]);
        expect(cidrs.has(text(probe))).toBe((probe & mask) >>> 0 === base);
        expect(cidrs.has(text(base))).toBe(true);
      }),
    );
  });

  it('agrees with a BigInt comparison for random IPv6 networks', () => {
    const group = fc.integer({ min: 1, max: 0xffff }); // first group non-zero: never mapped
    const address = fc.tuple(
      group,
      fc.array(fc.integer({ min: 0, max: 0xffff }), {
        minLength: 7,
        maxLength: 7,
      }),
    );
    const toBigInt = (groups: number[]) => groups.reduce((n, g) => (n << 16n) | BigInt(g), 0n);
    const text = (groups: number[]) => groups.map((g) => g.toString(16)).join(':');
    fc.assert(
      fc.property(address, fc.integer({ min: 1, max: 128 }), address, (net, length, probe) => {
        const netGroups = [net[0], ...net[1]];
        const probeGroups = [probe[0], ...probe[1]];
        const shift = BigInt(128 - length);
        const base = (toBigInt(netGroups) >> shift) << shift;
        const baseGroups = Array.from({ length: 8 }, (_, i) =>
          Number((base >> BigInt(112 - 16 * i)) & 0xffffn),
        );
        const cidrs = new CidrSet([`${text(baseGroups)}/${length}`]);
        const inside = toBigInt(probeGroups) >> shift === base >> shift;
        expect(cidrs.has(text(probeGroups))).toBe(inside);
        expect(cidrs.has(text(baseGroups))).toBe(true);
      }),
    );
  });

  it('stays fast with thousands of entries', () => {
    const entries = Array.from({ length: 5000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    const big = new CidrSet([...entries, '2001:db8::/32', '2001:db8:1::/48']);
    const started = performance.now();
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (big.has(`10.${(i >> 8) % 19}.${i & 255}.9`)) hits++;
    expect(hits).toBe(100_000);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
