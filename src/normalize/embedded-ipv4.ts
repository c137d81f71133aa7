// IPv6 addresses that carry an IPv4 client address in their last 32 bits. Such an
// address IS that IPv4 address here, in actor keys and in CIDR membership: behind a
// translator every IPv4 client shares the translator's prefix, so counting them per
// IPv6 /64 (ip.ts) would make all of them one actor, and an IPv4 allowlist entry
// would not cover its own clients.
//
// The ranges, each a /96 with the IPv4 address in bits 96–127:
//   ::ffff:0:0/96      IPv4-mapped (RFC 4291 §2.5.5.2): dual-stack sockets
//   64:ff9b::/96       NAT64/SIIT well-known prefix (RFC 6052 §2.1)
//   64:ff9b:1::/48     local-use NAT64 prefixes (RFC 8215), read as /96 prefixes
//   ::/96              IPv4-compatible (RFC 4291 §2.5.5.1, deprecated), not ::/112
//
// Not decoded: 6to4 (2002::/16) and Teredo (2001::/32). Both embed an address of a
// relay or NAT rather than behind a translator the operator runs; both are deprecated
// (RFC 7526) and their public relays are gone; and decoding them would let anyone on
// the IPv6 internet present an address whose embedded IPv4 falls in an allowlisted
// IPv4 range.
import type { Ipv6Groups } from './ipv6.js';

const NAT64_HIGH = 0x64;
const NAT64_LOW = 0xff9b;
const LOCAL_USE = 0x0001;
/** The low 24 bits of an IPv4 address, all zero only for a network, never a client. */
const IPV4_HOST_BITS = 0xffffff;

/**
 * Whether the first 96 bits are one of the ranges above. For a local-use prefix,
 * groups 3–5 are the operator's choice and any value is accepted.
 */
export function isIpv4EmbeddingPrefix(groups: Ipv6Groups): boolean {
  const [g0, g1, g2, g3, g4, g5] = groups;
  if (g0 === NAT64_HIGH && g1 === NAT64_LOW) {
    return g2 === LOCAL_USE || (g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0);
  }
  return g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0 || g5 === 0xffff);
}

/** The IPv4 address (unsigned 32-bit) in the last 32 bits: no check of the prefix. */
export function lastIpv4(groups: Ipv6Groups): number {
  return (groups[6] ?? 0) * 0x10000 + (groups[7] ?? 0);
}

/**
 * The IPv4 address an IPv6 address stands for, or undefined when it stands for none.
 * `::1`, `::` and the rest of ::/112 stay IPv6: they are loopback and unspecified
 * addresses, not compatible IPv4 ones. A local-use address whose last 32 bits would
 * be a network (`a.0.0.0`) stays IPv6 too: it comes from a translator configured with
 * a prefix shorter than /96, which puts the IPv4 address elsewhere, and reading the
 * last 32 bits would merge its clients into a handful of actors.
 */
export function embeddedIpv4(groups: Ipv6Groups): number | undefined {
  if (!isIpv4EmbeddingPrefix(groups)) return undefined;
  const value = lastIpv4(groups);
  if (groups[0] === 0 && groups[5] === 0 && groups[6] === 0) return undefined;
  if (groups[2] === LOCAL_USE && (value & IPV4_HOST_BITS) === 0) return undefined;
  return value;
}
