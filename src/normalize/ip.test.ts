import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actorIp, formatIp, parseIp } from './ip.js';

/** parseIp then formatIp: the canonical text, or undefined. */
function canonical(text: string): string | undefined {
  const address = parseIp(text);
  return address === undefined ? undefined : formatIp(address);
}

describe('parseIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4', 4],
    ['0.0.0.0', '0.0.0.0', 4],
    ['255.255.255.255', '255.255.255.255', 4],
    ['::ffff:1.2.3.4', '1.2.3.4', 4],
    ['::FFFF:1.2.3.4', '1.2.3.4', 4],
    ['::ffff:102:304', '1.2.3.4', 4],
    ['0:0:0:0:0:ffff:0102:0304', '1.2.3.4', 4],
    ['[::ffff:10.0.0.1]', '10.0.0.1', 4],
    ['2001:db8::1', '2001:db8::1', 6],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1', 6],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6],
    ['::', '::', 6],
    ['::1', '::1', 6],
    ['1::', '1::', 6],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0', 6],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8', 6],
    ['::1.2.3.4', '1.2.3.4', 4],
    ['64:ff9b::192.0.2.33', '192.0.2.33', 4],
    ['fe80::1%eth0', 'fe80::1', 6],
    ['fe80::1%25', 'fe80::1', 6],
    ['[2001:db8::1]', '2001:db8::1', 6],
  ])('%s → %s (IPv%d)', (text, expected, family) => {
    expect(parseIp(text)?.family).toBe(family);
    expect(canonical(text)).toBe(expected);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.256',
    '01.2.3.4',
    '1.2.3.04',
    '1.2.3.-4',
    '1..3.4',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4:80',
    ':',
    ':::',
    '1:::2',
    '::1::',
    '1::2::3',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '12345::',
    'g::',
    '::ffff:1.2.3',
    '::ffff:1.2.3.4.5',
    '1.2.3.4::',
    '::1.2.3.4:5',
    '1:2:3:4:5:6:7:1.2.3.4',
    'fe80::1%',
    '[::1',
    '::1]',
    '[1.2.3.4]',
    'localhost',
  ])('%j is not an address', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('agrees with node:net isIP on which text is an address', () => {
    const ipLike = fc.string({
      unit: fc.constantFrom(...'0123456789abcdefABCDEF:.'.split(''), '::', 'ffff', '255'),
      maxLength: 45,
    });
    fc.assert(
      fc.property(fc.oneof(ipLike, fc.ipV4(), fc.ipV6()), (text) => {
        expect(parseIp(text) !== undefined).toBe(isIP(text) !== 0);
      }),
      { numRuns: 5000 },
    );
  });

  it('formats every IPv6 address so that it parses back to itself', () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const once = canonical(text);
        expect(once).toBeDefined();
        expect(canonical(once ?? '')).toBe(once);
      }),
    );
  });
});

describe('actorIp', () => {
  it.each([
    ['1.2.3.4', 64, '1.2.3.4'],
    ['::ffff:1.2.3.4', 64, '1.2.3.4'],
    ['2001:db8:1:2:3:4:5:6', 64, '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::ABCD%eth0', 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2:3:4:5:6', 48, '2001:db8:1::/48'],
    ['2001:db8:1:2:3:4:5:6', 56, '2001:db8:1::/56'],
    ['2001:db8:1:2ff:3:4:5:6', 56, '2001:db8:1:200::/56'],
    ['2001:db8:1:2:3:4:5:6', 128, '2001:db8:1:2:3:4:5:6/128'],
    ['2001:db8:1:2:3:4:5:6', 0, '::/0'],
    ['not an ip', 64, 'not an ip'],
    ['1:2', 64, '1:2'],
  ])('%s with /%d → %s', (ip, prefixLength, actor) => {
    expect(actorIp(ip, prefixLength)).toBe(actor);
  });

  it.each([-1, 129, 64.5, Number.NaN])('refuses prefix length %d', (prefixLength) => {
    expect(() => actorIp('::1', prefixLength)).toThrow(RangeError);
  });

  it('gives every address of one random /64 the same actor, and other /64s another', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const half = fc.tuple(group, group, group, group);
    fc.assert(
      fc.property(half, half, half, (network, hostA, hostB) => {
        // ::/96 and 64:ff9b::/32 can embed IPv4 (an IPv4 actor): see embedded-ipv4.test.ts.
        fc.pre(network[0] !== 0 && network[0] !== 0x64);
        const text = (groups: number[]) => groups.map((g) => g.toString(16)).join(':');
        const a = actorIp(text([...network, ...hostA]), 64);
        expect(actorIp(text([...network, ...hostB]), 64)).toBe(a);
        const other = [...network];
        other[3] = ((other[3] ?? 0) + 1) & 0xffff;
        expect(actorIp(text([...other, ...hostA]), 64)).not.toBe(a);
      }),
    );
  });
});
