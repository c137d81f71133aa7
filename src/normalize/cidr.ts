// CIDR text for allowlists, parsed strictly at config load (cidr-set.ts does
// the per-event membership test).
//
// CIDRs inside a range that embeds IPv4 (`::ffff:10.0.0.0/104`,
// `64:ff9b::10.0.0.0/104`; embedded-ipv4.ts) become the IPv4 CIDRs they are
// (`10.0.0.0/8`), since such addresses are IPv4 addresses here (ip.ts); and an
// IPv4 CIDR matches its clients in every embedded form.
// A shorter IPv6 CIDR that merely contains such a range (`::/0`, `::/64`,
// `64:ff9b::/64`) stays IPv6 and matches IPv6 clients only: an allowlist entry that
// silently admitted every IPv4 client as well would be the dangerous reading.
import { isIpv4EmbeddingPrefix, lastIpv4 } from './embedded-ipv4.js';
import { formatIp, type IpAddress } from './ip.js';
import { ipv4Mask, parseIpv4 } from './ipv4.js';
import { maskIpv6, parseIpv6, type Ipv6Groups } from './ipv6.js';

/** A network: its address with host bits zero, and its prefix length. */
export type Cidr =
  | { readonly family: 4; readonly network: number; readonly prefixLength: number }
  | { readonly family: 6; readonly network: Ipv6Groups; readonly prefixLength: number };

const EMBEDDING_PREFIX_LENGTH = 96;

/**
 * Parses `address/length`, or a bare address (a /32 or /128). Strict, for
 * config: host bits must be zero, because `10.0.0.1/8` is more likely a typo
 * than a wish to allow all of 10/8. No brackets, no zone ids.
 * @throws Error naming the text and what is wrong with it.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = parseRawAddress(addressText);
  if (address === undefined) throw cidrError(text, 'not an IPv4 or IPv6 address');
  const maxLength = address.family === 6 ? 128 : 32;
  const prefixLength = slash === -1 ? maxLength : parsePrefixLength(text.slice(slash + 1));
  if (prefixLength === undefined || prefixLength > maxLength) {
    throw cidrError(text, `prefix length must be an integer 0–${maxLength}`);
  }
  const cidr = maxLength === 32 ? ipv4Cidr(address, prefixLength) : ipv6Cidr(address, prefixLength);
  if (cidr === undefined) {
    throw cidrError(text, `host bits are set; did you mean ${networkText(address, prefixLength)}?`);
  }
  return cidr;
}

/**
 * The address as written: IPv6 text stays IPv6 even when it embeds IPv4, since the
 * prefix length counts its 128 bits (parseIp would have made it IPv4).
 */
function parseRawAddress(text: string): IpAddress | undefined {
  if (!text.includes(':')) {
    const value = parseIpv4(text);
    return value === undefined ? undefined : { family: 4, value };
  }
  const groups = parseIpv6(text);
  return groups === undefined ? undefined : { family: 6, groups };
}

function cidrError(text: string, problem: string): Error {
  return new Error(`Invalid CIDR ${JSON.stringify(text)}: ${problem}`);
}

function parsePrefixLength(text: string): number | undefined {
  if (text.length < 1 || text.length > 3 || (text.length > 1 && text.startsWith('0'))) return;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

/** The IPv4 CIDR, or undefined when host bits are set. */
function ipv4Cidr(address: IpAddress, prefixLength: number): Cidr | undefined {
  if (address.family !== 4) return undefined; // unreachable: maxLength 32 is IPv4
  const network = (address.value & ipv4Mask(prefixLength)) >>> 0;
  return network === address.value ? { family: 4, network, prefixLength } : undefined;
}

/** The CIDR of IPv6 text (embedded IPv4 as IPv4), or undefined when host bits are set. */
function ipv6Cidr(address: IpAddress, prefixLength: number): Cidr | undefined {
  if (address.family !== 6) return undefined; // unreachable: text with ":" is IPv6
  const groups = address.groups;
  const network = maskIpv6(groups, prefixLength);
  if (!network.every((group, i) => group === groups[i])) return undefined;
  if (prefixLength >= EMBEDDING_PREFIX_LENGTH && embedsIpv4(network)) {
    const ipv4Length = prefixLength - EMBEDDING_PREFIX_LENGTH;
    return { family: 4, network: lastIpv4(network), prefixLength: ipv4Length };
  }
  return { family: 6, network, prefixLength };
}

/**
 * Whether a network of /96 or longer is a range of embedded IPv4 addresses. In the
 * IPv4-compatible range ::/96, only networks outside ::/112 are: `::1/128` and `::/96`
 * stay IPv6, as the loopback and unspecified addresses in them do (embedded-ipv4.ts).
 */
function embedsIpv4(network: Ipv6Groups): boolean {
  const compatible = network[0] === 0 && network[5] === 0;
  return isIpv4EmbeddingPrefix(network) && (!compatible || network[6] !== 0);
}

/** The network an erroneous `address/prefixLength` probably meant, for the error message. */
function networkText(address: IpAddress, prefixLength: number): string {
  if (address.family === 4) {
    const network = (address.value & ipv4Mask(prefixLength)) >>> 0;
    return `${formatIp({ family: 4, value: network })}/${prefixLength}`;
  }
  const groups = maskIpv6(address.groups, prefixLength);
  return `${formatIp({ family: 6, groups })}/${prefixLength}`;
}

/** Canonical text, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
export function formatCidr(cidr: Cidr): string {
  const address: IpAddress =
    cidr.family === 4 ? { family: 4, value: cidr.network } : { family: 6, groups: cidr.network };
  return `${formatIp(address)}/${cidr.prefixLength}`;
}

/**
 * Whether `outer` contains all of `inner` (an address is its /32 or /128): a /64 inside
 * an allowlisted /48 is contained, a /48 is not contained by a /64. Families never mix.
 */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.prefixLength > inner.prefixLength) return false;
  if (outer.family === 4 && inner.family === 4) {
    return (inner.network & ipv4Mask(outer.prefixLength)) >>> 0 === outer.network;
  }
  if (outer.family === 6 && inner.family === 6) {
    const masked = maskIpv6(inner.network, outer.prefixLength);
    return masked.every((group, i) => group === outer.network[i]);
  }
  return false;
}
