// Which allowlist entry covers a lockout's subject: what a rule reload that widens an
// allowlist acts on (lockouts in force of an actor every rule now skips are released;
// admin/allowlist-release.ts). Per-event lookups use compile.ts's closures instead; this
// answers for subjects as lockouts name them, where an `ip:` subject is an address
// (IPv4) or a network (an IPv6 client's /64, or whatever prefix its rule counts by).
import { cidrContains, formatCidr, parseCidr, parseIp, type Cidr } from '../normalize/index.js';
import type { Scope } from '../vocabulary/scope.js';
import type { SourcedAllowlist } from './load.js';

/** One entry of an allowlist, canonical (a CIDR as its network), and its file. */
export interface AllowlistEntry {
  readonly scope: Scope;
  /** A CIDR as `network/length`, a user or a session as written. */
  readonly value: string;
  readonly file?: string;
}

export class AllowlistCoverage {
  private readonly networks: { readonly cidr: Cidr; readonly entry: AllowlistEntry }[] = [];
  private readonly names = new Map<string, AllowlistEntry>();

  constructor(allowlists: readonly SourcedAllowlist[] = []) {
    for (const allowlist of allowlists) {
      const file = allowlist.file === undefined ? {} : { file: allowlist.file };
      for (const text of allowlist.ips) {
        const cidr = parseCidr(text);
        this.networks.push({ cidr, entry: { scope: 'ip', value: formatCidr(cidr), ...file } });
      }
      // The first file naming a user or session is the one a release names.
      for (const user of allowlist.users) {
        if (!this.names.has(`user:${user}`)) {
          this.names.set(`user:${user}`, { scope: 'user', value: user, ...file });
        }
      }
      for (const session of allowlist.sessions) {
        if (!this.names.has(`session:${session}`)) {
          this.names.set(`session:${session}`, { scope: 'session', value: session, ...file });
        }
      }
    }
  }

  /**
   * The entry that covers the whole of a subject, if any: for `ip:` the first network
   * (in load order, so every instance names the same one) that contains the address or,
   * for a network subject, all of it — a /64 lockout inside an allowlisted /48 is
   * covered, a /48 lockout by an allowlisted /64 is not (most of it is still locked out).
   */
  covering(scope: Scope, subject: string): AllowlistEntry | undefined {
    if (scope !== 'ip') return this.names.get(`${scope}:${subject}`);
    const network = subjectNetwork(subject);
    if (network === undefined) return undefined;
    return this.networks.find(({ cidr }) => cidrContains(cidr, network))?.entry;
  }
}

/**
 * The entry of `after` that covers the subject when `before` covered none: what a reload
 * newly allowlists. A subject covered already was skipped by every rule before the
 * change, and an entry removed covers nothing new, so neither releases anything.
 */
export function newlyCovering(
  before: AllowlistCoverage,
  after: AllowlistCoverage,
  scope: Scope,
  subject: string,
): AllowlistEntry | undefined {
  return before.covering(scope, subject) === undefined ? after.covering(scope, subject) : undefined;
}

/** An `ip:` subject as a network: an address is its /32 or /128; undefined if neither. */
function subjectNetwork(subject: string): Cidr | undefined {
  if (subject.includes('/')) {
    try {
      return parseCidr(subject);
    } catch {
      return undefined;
    }
  }
  const address = parseIp(subject);
  if (address === undefined) return undefined;
  return address.family === 4
    ? { family: 4, network: address.value, prefixLength: 32 }
    : { family: 6, network: address.groups, prefixLength: 128 };
}
