// CIDR text for allowlists, parsed strictly at config load (cidr-set.ts does
// the per-event membership test).
//
// IPv4-mapped IPv6 CIDRs (`::ffff:10.0.0.0/104`) become the IPv4 CIDRs they
// are (`10.0.0.0/8`), since mapped addresses are IPv4 addresses here (ip.ts).
// A shorter IPv6 CIDR that merely contains the mapped range (`::/0`,
// `::/64`) stays IPv6 and matches IPv6 clients only: an allowlist entry that
// silently admitted every IPv4 client as well would be the dangerous reading.
import { formatIp, isIpv4Mapped, mappedIpv4, parsePlainIp, type IpAddress } from './ip.js';
import { ipv4Mask } from './ipv4.js';
import { maskIpv6, type Ipv6Groups } from './ipv6.js';

/** A network: its address with host bits zero, and its prefix length. */
export type Cidr =
  | { readonly family: 4; readonly network: number; readonly prefixLength: number }
  | { readonly family: 6; readonly network: Ipv6Groups; readonly prefixLength: number };

const MAPPED_PREFIX_LENGTH = 96;

/**
 * Parses `address/length`, or a bare address (a /32 or /128). Strict, for
 * config: host bits must be zero, because `10.0.0.1/8` is more likely a typo
 * than a wish to allow all of 10/8. No brackets, no zone ids.
 * @throws Error naming the text and what is wrong with it.
 */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const address = parsePlainIp(addressText);
  if (address === undefined) throw cidrError(text, 'not an IPv4 or IPv6 address');
  const maxLength = addressText.includes(':') ? 128 : 32;
  const prefixLength = slash === -1 ? maxLength : parsePrefixLength(text.slice(slash + 1));
  if (prefixLength === undefined || prefixLength > maxLength) {
    throw cidrError(text, `prefix length must be an integer 0–${maxLength}`);
  }
  const cidr = maxLength === 32 ? ipv4Cidr(address, prefixLength) : ipv6Cidr(address, prefixLength);
  if (cidr === undefined) {
    throw cidrError(
      text,
      `host bits are set; did you mean ${networkText(address, prefixLength, maxLength)}?`,
    );
  }
  return cidr;
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
  if (address.family !== 4) return undefined; // unreachable: text without ":" is IPv4
  const network = (address.value & ipv4Mask(prefixLength)) >>> 0;
  return network === address.value ? { family: 4, network, prefixLength } : undefined;
}

/** The CIDR of IPv6 text (mapped ranges as IPv4), or undefined when host bits are set. */
function ipv6Cidr(address: IpAddress, prefixLength: number): Cidr | undefined {
  const groups = ipv6Groups(address);
  const network = maskIpv6(groups, prefixLength);
  if (!network.every((group, i) => group === groups[i])) return undefined;
  if (prefixLength >= MAPPED_PREFIX_LENGTH && isIpv4Mapped(network)) {
    const ipv4Length = prefixLength - MAPPED_PREFIX_LENGTH;
    return { family: 4, network: mappedIpv4(network), prefixLength: ipv4Length };
  }
  return { family: 6, network, prefixLength };
}

/** IPv6 groups of an address; IPv4 (from mapped text) goes back to ::ffff:a.b.c.d. */
function ipv6Groups(address: IpAddress): Ipv6Groups {
  if (address.family === 6) return address.groups;
  const value = address.value;
  return [0, 0, 0, 0, 0, 0xffff, value >>> 16, value & 0xffff];
}

/** The network an erroneous `address/prefixLength` probably meant, for the error message. */
function networkText(address: IpAddress, prefixLength: number, maxLength: number): string {
  if (address.family === 4 && maxLength === 32) {
    const network = (address.value & ipv4Mask(prefixLength)) >>> 0;
    return `${formatIp({ family: 4, value: network })}/${prefixLength}`;
  }
  const groups = maskIpv6(ipv6Groups(address), prefixLength);
  return `${formatIp({ family: 6, groups })}/${prefixLength}`;
}

/** Canonical text, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
export function formatCidr(cidr: Cidr): string {
  const address: IpAddress =
    cidr.family === 4 ? { family: 4, value: cidr.network } : { family: 6, groups: cidr.network };
  return `${formatIp(address)}/${cidr.prefixLength}`;
}
