// The lockout table as CrowdSec decisions, so that the bouncers people already run
// (nginx/OpenResty, Traefik, HAProxy, firewalls) enforce exfilguard's address lockouts
// through the part of CrowdSec's Local API they call (http/crowdsec-api.ts serves it).
//
// Only what a bouncer can act on becomes a decision: `ip:` subjects (an address → scope
// `Ip`, an IPv6 prefix → scope `Range`) in `enforce` mode. Sessions and users have no
// CrowdSec scope a bouncer understands, and shadow lockouts must never refuse.
//
// One decision per value, as LAPI's default dedup (`longestDecisionForScopeTypeValue` in
// crowdsec's pkg/database/decisions.go) gives: the entry that ends last. Bouncers key
// their state by value — the custom bouncer runs `del VALUE`, a firewall removes VALUE
// from its set — so a `deleted` for a value that another lockout still covers would
// unban it. When the longest entry of a value is released and a shorter one remains,
// the shorter one is sent as `new` (LAPI sends nothing then, leaving the bouncer on the
// longer ban until it lapses locally); `deleted` is sent only once nothing covers it.
import { actorIp, formatIp, parseIp } from '../normalize/index.js';
import type { LockoutTable, TableEntry } from './table.js';

export type DecisionScope = 'Ip' | 'Range';

/** One decision as LAPI serialises it (crowdsec pkg/models/decision.go). */
export interface CrowdsecDecision {
  /** The table entry's `seq`: LAPI's ids are numbers. */
  readonly id: number;
  readonly origin: 'exfilguard';
  readonly type: 'ban';
  readonly scope: DecisionScope;
  readonly value: string;
  /** Time left, as Go's time.Duration prints it (`59m50s`); ≤ 0 for a deleted decision. */
  readonly duration: string;
  readonly scenario: string;
}

export const DECISION_ORIGIN = 'exfilguard';

/** What a bouncer receives from one pull of the stream. */
export interface StreamAnswer {
  readonly new: CrowdsecDecision[];
  readonly deleted: CrowdsecDecision[];
  /**
   * `startup` (asked for, or a first pull), `fell-behind` (some removal it had not seen
   * was forgotten: everything in force is sent again) or `delta`.
   */
  readonly kind: 'startup' | 'fell-behind' | 'delta';
  /**
   * Marks the answer as received: the bouncer's next pull starts after it. Call it once
   * the answer is sent; uncalled (the send failed), the next pull repeats it, as LAPI
   * moves a bouncer's last pull only after a successful answer.
   */
  readonly delivered: () => void;
}

/** The decision a value stands for, without its time left (computed per answer). */
interface Held {
  readonly seq: number;
  readonly rule: string;
  readonly expiresAtMs: number;
}

interface Active {
  readonly version: number;
  readonly held: Held;
}

interface Ended {
  readonly version: number;
  readonly held: Held;
  /** When it stopped covering the value: the release, or its expiry. */
  readonly untilMs: number;
}

export interface DecisionStreamOptions {
  readonly now?: () => number;
  /**
   * Removals remembered for bouncers that have not pulled since (default 100,000).
   * Past it the oldest are forgotten, and a bouncer that had not seen them gets a
   * full answer (every decision in force as `new`) on its next pull.
   */
  readonly maxEnded?: number;
}

/**
 * Go's time.Duration.String() of `ms` rounded to the second, as LAPI does
 * (`Until.Sub(now).Round(time.Second).String()`): `3h0m0s`, `59m50s`, `5s`, `0s`, `-2s`.
 */
export function goDuration(ms: number): string {
  // Go's Round goes half away from zero.
  const total = Math.round(Math.abs(ms) / 1000);
  if (total === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** `Range` for an IPv6 prefix (`2001:db8:1:2::/64`), `Ip` for an address. */
export function decisionScope(value: string): DecisionScope {
  return value.includes('/') ? 'Range' : 'Ip';
}

const IP_PREFIX = 'ip:';

/**
 * The per-bouncer stream over one table. Memory: one record per value in force, plus
 * removals not yet pulled by every bouncer that has pulled (at most `maxEnded`), plus
 * one number per bouncer name (names come from configuration).
 */
export class DecisionStream {
  private readonly now: () => number;
  private readonly maxEnded: number;
  /** Value → its decision in force. */
  private readonly active = new Map<string, Active>();
  /** Value → its last decision, now ended; in version order (oldest first). */
  private readonly ended = new Map<string, Ended>();
  private version = 0;
  /** Removals up to this version may have been forgotten (maxEnded). */
  private forgottenUpTo = 0;
  /** Bouncer name → the version its last pull covered. */
  private readonly pulled = new Map<string, number>();

  constructor(
    private readonly table: LockoutTable,
    options: DecisionStreamOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxEnded = options.maxEnded ?? 100_000;
    for (const key of table.subjectKeys()) this.update(key);
    // The table's sweep fires this on expiry too: expiry yields `deleted` unprompted.
    table.onChange((key) => this.update(key));
  }

  /** Values in force, for tests and metrics. */
  get size(): number {
    return this.active.size;
  }

  /** Removals remembered. */
  get endedSize(): number {
    return this.ended.size;
  }

  /**
   * One pull by `bouncer`: with `startup` (or on its first pull, or when it fell behind
   * the removals remembered) every decision in force as `new` and the removals still
   * remembered as `deleted`, as LAPI answers `startup=true` with the active and the
   * expired decisions; else what changed since its previous pull. `keep` filters
   * (the request's scopes, origins, scenarios) without changing what counts as seen.
   */
  pull(
    bouncer: string,
    startup: boolean,
    keep: (decision: CrowdsecDecision) => boolean = () => true,
  ): StreamAnswer {
    const nowMs = this.now();
    const last = this.pulled.get(bouncer);
    const kind =
      startup || last === undefined
        ? 'startup'
        : last < this.forgottenUpTo
          ? 'fell-behind'
          : 'delta';
    const since = kind === 'delta' ? last! : -1;
    const added: CrowdsecDecision[] = [];
    const deleted: CrowdsecDecision[] = [];
    for (const [value, { version, held }] of this.active) {
      // Lapsed but not yet swept: the sweep (within a second) turns it into `deleted`.
      if (version <= since || held.expiresAtMs <= nowMs) continue;
      const decision = toDecision(value, held, held.expiresAtMs - nowMs);
      if (keep(decision)) added.push(decision);
    }
    for (const [value, { version, held, untilMs }] of this.ended) {
      if (version <= since) continue;
      const decision = toDecision(value, held, untilMs - nowMs);
      if (keep(decision)) deleted.push(decision);
    }
    const upTo = this.version;
    const delivered = () => {
      // Two pulls of one bouncer may overlap: the later position wins.
      if (upTo > (this.pulled.get(bouncer) ?? -1)) this.pulled.set(bouncer, upTo);
      this.forgetSeen();
    };
    return { new: added, deleted, kind, delivered };
  }

  /**
   * The decisions in force for these `ip:` subject keys (an address, and the prefixes
   * that cover it: IdentityReader.subjectKeys gives them), one per value.
   */
  decisionsFor(subjectKeys: readonly string[]): CrowdsecDecision[] {
    const nowMs = this.now();
    const found: CrowdsecDecision[] = [];
    for (const key of subjectKeys) {
      if (!key.startsWith(IP_PREFIX)) continue;
      const value = key.slice(IP_PREFIX.length);
      const held = this.active.get(value)?.held;
      if (held !== undefined && held.expiresAtMs > nowMs) {
        found.push(toDecision(value, held, held.expiresAtMs - nowMs));
      }
    }
    return found;
  }

  /** Every decision in force (`GET /v1/decisions` without a filter). */
  all(): CrowdsecDecision[] {
    return this.decisionsFor([...this.active.keys()].map((value) => IP_PREFIX + value));
  }

  private update(key: string): void {
    if (!key.startsWith(IP_PREFIX)) return;
    const value = key.slice(IP_PREFIX.length);
    const best = longest(this.table.entriesOf(key), this.now());
    const before = this.active.get(value);
    if (best?.seq === before?.held.seq) return;
    if (best !== undefined) {
      this.ended.delete(value);
      this.active.set(value, {
        version: ++this.version,
        held: { seq: best.seq, rule: best.rule, expiresAtMs: best.expiresAtMs },
      });
      return;
    }
    // before is defined here: nothing covers the value any more.
    this.active.delete(value);
    const untilMs = Math.min(before!.held.expiresAtMs, this.now());
    // Re-inserted so the map stays in version order.
    this.ended.delete(value);
    this.ended.set(value, { version: ++this.version, held: before!.held, untilMs });
    while (this.ended.size > this.maxEnded) {
      const [oldest, record] = this.ended.entries().next().value!;
      this.ended.delete(oldest);
      this.forgottenUpTo = Math.max(this.forgottenUpTo, record.version);
    }
  }

  /** Drops removals every bouncer that has pulled has already been sent. */
  private forgetSeen(): void {
    let seenByAll = Number.POSITIVE_INFINITY;
    for (const version of this.pulled.values()) seenByAll = Math.min(seenByAll, version);
    for (const [value, record] of this.ended) {
      if (record.version > seenByAll) break;
      this.ended.delete(value);
    }
  }
}

/** The enforce-mode entry in force that ends last (LAPI's dedup keeps the longest). */
function longest(entries: readonly TableEntry[], nowMs: number): TableEntry | undefined {
  let best: TableEntry | undefined;
  for (const entry of entries) {
    if (entry.mode !== 'enforce' || entry.expiresAtMs <= nowMs) continue;
    if (best === undefined || entry.expiresAtMs > best.expiresAtMs) best = entry;
  }
  return best;
}

function toDecision(value: string, held: Held, leftMs: number): CrowdsecDecision {
  return {
    id: held.seq,
    origin: DECISION_ORIGIN,
    type: 'ban',
    scope: decisionScope(value),
    value,
    duration: goDuration(leftMs),
    scenario: `exfilguard/${held.rule}`,
  };
}

/**
 * The `ip:` subject keys that cover a CIDR given to `GET /v1/decisions?range=`: the
 * range itself and, for IPv6, each shorter prefix length the table holds. A full-length
 * range is its address. Undefined when the text is not a CIDR.
 */
export function rangeSubjectKeys(
  range: string,
  ipv6PrefixLengths: readonly number[],
): string[] | undefined {
  const slash = range.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseIp(range.slice(0, slash));
  const lengthText = range.slice(slash + 1);
  const length = Number(lengthText);
  if (address === undefined || !/^\d{1,3}$/.test(lengthText)) return undefined;
  const ip = formatIp(address);
  const full = address.family === 4 ? 32 : 128;
  if (length > full) return undefined;
  if (length === full) return [IP_PREFIX + ip];
  // IPv4 lockouts are single addresses: no range shorter than /32 holds one whole.
  if (address.family === 4) return [];
  return ipv6PrefixLengths
    .filter((held) => held <= length)
    .map((held) => IP_PREFIX + actorIp(ip, held));
}
