// Client addresses: one parser for both families, and the actor key that
// rules count per. An IPv6 address that embeds an IPv4 client (`::ffff:1.2.3.4`,
// what a dual-stack socket reports for an IPv4 client; `64:ff9b::1.2.3.4`, what a
// NAT64/SIIT translator reports; see embedded-ipv4.ts) IS that IPv4 address here,
// everywhere: in actor keys and in CIDR membership.
import { embeddedIpv4 } from './embedded-ipv4.js';
import { formatIpv4, parseIpv4 } from './ipv4.js';
import { formatIpv6, maskIpv6, parseIpv6, type Ipv6Groups } from './ipv6.js';

/** A parsed address. IPv4 as an unsigned 32-bit number, IPv6 as eight 16-bit groups. */
export type IpAddress =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly groups: Ipv6Groups };

/**
 * Parses IPv4 or IPv6 text. Accepts what logs contain: compressed and full IPv6,
 * dotted IPv4 tails (`::ffff:1.2.3.4`), a zone id
 * (`fe80::1%eth0`, dropped: it names the receiving interface, not the client) and
 * surrounding brackets (`[2001:db8::1]`). An address that embeds an IPv4 client
 * (`::ffff:1.2.3.4`, `64:ff9b::102:304`) is returned as family 4. Undefined for
 * anything else.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (!text.includes(':')) return ipv4Address(parseIpv4(text));
  const plain = withoutBracketsAndZone(text);
  return plain === undefined ? undefined : parsePlainIpv6(plain);
}

function ipv4Address(value: number | undefined): IpAddress | undefined {
  return value === undefined ? undefined : { family: 4, value };
}

function parsePlainIpv6(text: string): IpAddress | undefined {
  const groups = parseIpv6(text);
  if (groups === undefined) return undefined;
  const ipv4 = embeddedIpv4(groups);
  return ipv4 === undefined ? { family: 6, groups } : { family: 4, value: ipv4 };
}

function withoutBracketsAndZone(text: string): string | undefined {
  let plain = text;
  if (plain.startsWith('[')) {
    if (!plain.endsWith(']')) return undefined;
    plain = plain.slice(1, -1);
  }
  const zone = plain.indexOf('%');
  if (zone === -1) return plain;
  return zone === plain.length - 1 ? undefined : plain.slice(0, zone);
}

/** Canonical text: dotted quad for IPv4 (embedded ones included), RFC 5952 for IPv6. */
export function formatIp(address: IpAddress): string {
  return address.family === 4 ? formatIpv4(address.value) : formatIpv6(address.groups);
}

/**
 * The actor an address belongs to. IPv4, embedded IPv4 included (`64:ff9b::1.2.3.4`
 * is the actor `1.2.3.4`): the canonical address itself. IPv6:
 * the canonical /N network, e.g. `2001:db8:1:2::/64` for N = 64, because one
 * subscriber usually holds a whole /64 (RFC 6177) and can rotate addresses in it
 * at will, so per-address counting would be evaded for free.
 * Text that is not an address is returned unchanged: the parse stage validates
 * addresses, and an actor key must exist for every event.
 * @throws RangeError if `ipv6PrefixLength` is not an integer 0–128 (a config error).
 */
export function actorIp(ip: string, ipv6PrefixLength: number): string {
  if (!Number.isInteger(ipv6PrefixLength) || ipv6PrefixLength < 0 || ipv6PrefixLength > 128) {
    throw new RangeError(`IPv6 prefix length must be an integer 0–128, got ${ipv6PrefixLength}`);
  }
  // Hot path: valid IPv4 text is canonical already (ipv4.ts rejects other spellings).
  if (!ip.includes(':')) return ip;
  const address = parseIp(ip);
  if (address === undefined) return ip;
  if (address.family === 4) return formatIpv4(address.value);
  return `${formatIpv6(maskIpv6(address.groups, ipv6PrefixLength))}/${ipv6PrefixLength}`;
}
