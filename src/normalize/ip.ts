// Client addresses: one parser for both families, and the actor key that
// rules count per. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, what a
// dual-stack socket reports for an IPv4 client) IS that IPv4 address here,
// everywhere: in actor keys and in CIDR membership.
import { formatIpv4, parseIpv4 } from './ipv4.js';
import { formatIpv6, maskIpv6, parseIpv6, type Ipv6Groups } from './ipv6.js';

/** A parsed address. IPv4 as an unsigned 32-bit number, IPv6 as eight 16-bit groups. */
export type IpAddress =
  | { readonly family: 4; readonly value: number }
  | { readonly family: 6; readonly groups: Ipv6Groups };

/**
 * Parses IPv4 or IPv6 text. Accepts what logs contain: compressed and full IPv6,
 * embedded dotted IPv4 (`::ffff:1.2.3.4`, returned as family 4), a zone id
 * (`fe80::1%eth0`, dropped: it names the receiving interface, not the client) and
 * surrounding brackets (`[2001:db8::1]`). Undefined for anything else.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (!text.includes(':')) return ipv4Address(parseIpv4(text));
  const plain = withoutBracketsAndZone(text);
  return plain === undefined ? undefined : parsePlainIpv6(plain);
}

/** Like parseIp but without brackets or zone ids: the form CIDR text uses. */
export function parsePlainIp(text: string): IpAddress | undefined {
  return text.includes(':') ? parsePlainIpv6(text) : ipv4Address(parseIpv4(text));
}

function ipv4Address(value: number | undefined): IpAddress | undefined {
  return value === undefined ? undefined : { family: 4, value };
}

function parsePlainIpv6(text: string): IpAddress | undefined {
  const groups = parseIpv6(text);
  if (groups === undefined) return undefined;
  return isIpv4Mapped(groups) ? ipv4Address(mappedIpv4(groups)) : { family: 6, groups };
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

/** Whether the groups are in ::ffff:0:0/96, the IPv4-mapped range (RFC 4291 §2.5.5.2). */
export function isIpv4Mapped(groups: Ipv6Groups): boolean {
  for (let i = 0; i < 5; i++) if (groups[i] !== 0) return false;
  return groups[5] === 0xffff;
}

/** The IPv4 address in the low 32 bits of a mapped address. */
export function mappedIpv4(groups: Ipv6Groups): number {
  return (groups[6] ?? 0) * 0x10000 + (groups[7] ?? 0);
}

/** Canonical text: dotted quad for IPv4 (mapped addresses included), RFC 5952 for IPv6. */
export function formatIp(address: IpAddress): string {
  return address.family === 4 ? formatIpv4(address.value) : formatIpv6(address.groups);
}

/**
 * The actor an address belongs to. IPv4: the canonical address itself. IPv6:
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
