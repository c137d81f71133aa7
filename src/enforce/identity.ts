// Who a checked request comes from, in the detector's own terms: the client address
// canonicalised as actors are (IPv4 inside IPv6 is that IPv4; an IPv6 client is also
// looked up under each IPv6 prefix the table holds), the session as the access logs
// carry it, and the user. The check request arrives from the gateway, not the client:
// the client's address is read from X-Forwarded-For or X-Real-IP only when the caller
// is a trusted proxy, as nginx's real_ip module does; anyone else is judged by the
// address it connects from, so a forged header changes nothing.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { actorIp, CidrSet, formatIp, parseIp } from '../normalize/index.js';
import { subjectKey } from './table.js';

export type ClientAddressHeader = 'x-forwarded-for' | 'x-real-ip';
export type SessionHash = 'none' | 'sha256';

export interface IdentityOptions {
  /** Callers whose address headers are believed (CIDRs). Default: loopback only. */
  readonly trustedProxies?: readonly string[];
  /** Where a trusted caller puts the client's address. Default: X-Forwarded-For. */
  readonly clientAddressHeader?: ClientAddressHeader;
  /** The session: a cookie and/or a header (both judged when both are present). */
  readonly sessionCookie?: string;
  readonly sessionHeader?: string;
  /**
   * How the access logs carry the session: as sent (`none`), or as the hex SHA-256 of
   * it (`sha256`), cut to `sessionHashLength` characters.
   */
  readonly sessionHash?: SessionHash;
  readonly sessionHashLength?: number;
  /** A header the gateway sets to the authenticated user (it must drop the client's own). */
  readonly userHeader?: string;
}

/** The part of an HTTP request identity needs: Node's and Fastify's requests both fit. */
export interface RequestView {
  /** The connecting peer's address (the gateway, for a check request). */
  readonly remoteAddress: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

export interface ClientIdentity {
  /** Canonical client address (formatIp), when one could be read. */
  readonly ip?: string;
  /**
   * Every session value the request carries: each occurrence of the cookie (applications
   * differ in which of `sid=a; sid=b` they read, so a client must not choose for us),
   * then the header. Any one locked refuses the request.
   */
  readonly sessions?: readonly string[];
  readonly user?: string;
  /** A trusted caller's address header held no address: counted, the request judged without it. */
  readonly addressUnreadable?: boolean;
}

export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '::1/128'] as const;

export class IdentityReader {
  private readonly trusted: CidrSet;
  private readonly addressHeader: ClientAddressHeader;
  private readonly sessionCookie?: string;
  private readonly sessionHeader?: string;
  private readonly userHeader?: string;
  private readonly sessionHash: SessionHash;
  private readonly sessionHashLength: number;

  /** @throws Error naming an invalid trusted-proxy CIDR or header name. */
  constructor(options: IdentityOptions = {}) {
    this.trusted = new CidrSet(options.trustedProxies ?? DEFAULT_TRUSTED_PROXIES);
    this.addressHeader = options.clientAddressHeader ?? 'x-forwarded-for';
    if (options.sessionCookie !== undefined) this.sessionCookie = options.sessionCookie;
    if (options.sessionHeader !== undefined)
      this.sessionHeader = options.sessionHeader.toLowerCase();
    if (options.userHeader !== undefined) this.userHeader = options.userHeader.toLowerCase();
    this.sessionHash = options.sessionHash ?? 'none';
    this.sessionHashLength = options.sessionHashLength ?? 64;
  }

  identify(request: RequestView): ClientIdentity {
    const address = this.clientAddress(request);
    const sessions = this.sessions(request.headers);
    const user =
      this.userHeader === undefined ? undefined : header(request.headers, this.userHeader);
    return {
      ...(address.ip !== undefined && { ip: address.ip }),
      ...(address.unreadable && { addressUnreadable: true }),
      ...(sessions.length > 0 && { sessions }),
      ...(user !== undefined && { user }),
    };
  }

  /**
   * The table's subject keys for an identity: its address (an IPv6 one also under each
   * prefix length in `ipv6PrefixLengths`, as the detector names IPv6 actors), session, user.
   */
  subjectKeys(identity: ClientIdentity, ipv6PrefixLengths: readonly number[]): string[] {
    const keys: string[] = [];
    const { ip } = identity;
    if (ip !== undefined) {
      keys.push(subjectKey('ip', ip));
      if (ip.includes(':')) {
        for (const length of ipv6PrefixLengths) keys.push(subjectKey('ip', actorIp(ip, length)));
      }
    }
    for (const session of identity.sessions ?? []) keys.push(subjectKey('session', session));
    if (identity.user !== undefined) keys.push(subjectKey('user', identity.user));
    return keys;
  }

  private clientAddress(request: RequestView): { ip?: string; unreadable?: boolean } {
    const peer = canonicalAddress(request.remoteAddress);
    if (peer === undefined || !this.trusted.has(peer))
      return peer === undefined ? {} : { ip: peer };
    const value = header(request.headers, this.addressHeader);
    if (value === undefined) return { ip: peer };
    if (this.addressHeader === 'x-real-ip') {
      const ip = canonicalAddress(value);
      return ip === undefined ? { unreadable: true } : { ip };
    }
    // X-Forwarded-For: hops left to right, each proxy appending who connected to it.
    // The rightmost hop that is not a trusted proxy is the client; what lies left of it
    // was written by the client and is not believed.
    const hops = value.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const ip = canonicalAddress(hops[i]!.trim());
      if (ip === undefined) return { unreadable: true };
      if (i === 0 || !this.trusted.has(ip)) return { ip };
    }
    return { unreadable: true };
  }

  private sessions(headers: IncomingHttpHeaders): string[] {
    const raw = this.sessionCookie === undefined ? [] : cookieValues(headers, this.sessionCookie);
    const fromHeader =
      this.sessionHeader === undefined ? undefined : header(headers, this.sessionHeader);
    if (fromHeader !== undefined) raw.push(fromHeader);
    const distinct = [...new Set(raw)];
    if (this.sessionHash === 'none') return distinct;
    return distinct.map((value) =>
      createHash('sha256').update(value).digest('hex').slice(0, this.sessionHashLength),
    );
  }
}

/**
 * An address as it appears in headers and sockets — `1.2.3.4`, `::ffff:1.2.3.4`,
 * `[2001:db8::1]:443`, `1.2.3.4:5678` — in canonical form, or undefined.
 */
export function canonicalAddress(text: string | undefined): string | undefined {
  if (text === undefined || text.length === 0 || text.length > 100) return undefined;
  let candidate = text;
  if (candidate.startsWith('[')) {
    const end = candidate.indexOf(']');
    if (end < 0) return undefined;
    candidate = candidate.slice(1, end);
  } else if (candidate.indexOf(':') > 0 && candidate.indexOf(':') === candidate.lastIndexOf(':')) {
    // One colon: IPv4 with a port (IPv6 text has at least two).
    candidate = candidate.slice(0, candidate.indexOf(':'));
  }
  const address = parseIp(candidate);
  return address === undefined ? undefined : formatIp(address);
}

/** A header's value; repeated headers (an array) or an empty value count as absent. */
function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed.length === 0 ? undefined : trimmed;
}

/** Occurrences of one cookie judged at most: a padded Cookie header costs bounded work. */
const MAX_COOKIE_OCCURRENCES = 32;

/**
 * Every value of one cookie in the Cookie header (RFC 6265: `a=1; b=2`; quotes removed;
 * empty values skipped). Past MAX_COOKIE_OCCURRENCES, the first and the last half of
 * that many: applications read the first or the last, so padding the middle hides nothing.
 */
function cookieValues(headers: IncomingHttpHeaders, name: string): string[] {
  const line = headers.cookie;
  if (typeof line !== 'string') return [];
  const values: string[] = [];
  for (const pair of line.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    if (value.length > 0) values.push(value);
  }
  if (values.length <= MAX_COOKIE_OCCURRENCES) return values;
  const half = MAX_COOKIE_OCCURRENCES / 2;
  return [...values.slice(0, half), ...values.slice(-half)];
}
