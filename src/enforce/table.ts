// The lockouts in force, as a gateway needs them: built from the records of the
// lockouts topic (contract 2, decide/lockout.ts) and asked, per request, whether any
// of the client's identities is locked out.
//
// Kept per subject (`scope:subject`), one entry per rule and mode — exactly what the
// topic's keys name — so a record replaces or ends what its key said before, as
// compaction would. Expiry publishes nothing: entries past `expiresAt` never refuse,
// and sweep() drops them (callers run it every second).
import type { LockoutCommand, LockoutKeyParts } from '../decide/lockout.js';
import type { Mode, Scope } from '../vocabulary/scope.js';

/** One lockout in force. Small on purpose: a table may hold millions. */
export interface TableEntry {
  /** The lockout's id (contract 2), named in the refusal's headers. */
  readonly id: string;
  readonly rule: string;
  readonly mode: Mode;
  readonly expiresAtMs: number;
  /** Insertion number, unique in this table: a numeric id for peers that need one (CrowdSec). */
  readonly seq: number;
}

/** The subject key of the table: `scope:subject`, as the detector names actors. */
export function subjectKey(scope: Scope, subject: string): string {
  return `${scope}:${subject}`;
}

/** What the table says about a set of identities at one instant. */
export interface TableMatch {
  /** The enforce-mode lockout that ends last, if any: the request is refused. */
  readonly refusing?: TableEntry & { readonly subjectKey: string };
  /** Some shadow-mode lockout matched (never refuses; counted). */
  readonly shadowRule?: string;
}

/** Called with the subject key whose entries changed (added, replaced, released, expired). */
export type SubjectListener = (subjectKey: string) => void;

function sameKey(a: Pick<TableEntry, 'rule' | 'mode'>, b: Pick<TableEntry, 'rule' | 'mode'>) {
  return a.rule === b.rule && a.mode === b.mode;
}

export class LockoutTable {
  /**
   * Subject key → its entry, or its entries when it has several (one per rule and
   * mode). Most subjects have one: held bare, it saves the array (~50 bytes an entry).
   */
  private readonly subjects = new Map<string, TableEntry | TableEntry[]>();
  /** IPv6 prefix length → how many `ip:…/N` subjects use it: the lengths a client is masked to. */
  private readonly prefixLengthCounts = new Map<number, number>();
  private lengths: number[] = [];
  private entryCount = 0;
  private nextSeq = 1;
  /** No entry expires before this: sweep() has nothing to do until then. */
  private nextExpiryMs = Number.POSITIVE_INFINITY;
  private readonly listeners: SubjectListener[] = [];

  /** Entries held (expired ones count until the next sweep). */
  get size(): number {
    return this.entryCount;
  }

  /** The IPv6 prefix lengths of `ip` subjects held, e.g. [64]: a client is looked up under each. */
  get ipv6PrefixLengths(): readonly number[] {
    return this.lengths;
  }

  onChange(listener: SubjectListener): void {
    this.listeners.push(listener);
  }

  /**
   * A `lockout` record. It replaces what its key held; one already expired at `nowMs`
   * ends it instead (a restarted reader keeps nothing that lapsed while it was away).
   */
  applyLockout(command: LockoutCommand, nowMs: number): void {
    const expiresAtMs = Date.parse(command.expiresAt);
    if (!(expiresAtMs > nowMs)) {
      this.remove(command);
      return;
    }
    const key = subjectKey(command.scope, command.subject);
    const entry: TableEntry = {
      id: command.id,
      rule: command.rule,
      mode: command.mode,
      expiresAtMs,
      seq: this.nextSeq++,
    };
    const held = this.subjects.get(key);
    if (held === undefined) {
      this.subjects.set(key, entry);
      this.countPrefix(key, +1);
      this.entryCount += 1;
    } else if (!Array.isArray(held)) {
      if (sameKey(held, entry)) this.subjects.set(key, entry);
      else {
        this.subjects.set(key, [held, entry]);
        this.entryCount += 1;
      }
    } else {
      const at = held.findIndex((e) => sameKey(e, entry));
      if (at >= 0) held[at] = entry;
      else {
        held.push(entry);
        this.entryCount += 1;
      }
    }
    if (expiresAtMs < this.nextExpiryMs) this.nextExpiryMs = expiresAtMs;
    this.changed(key);
  }

  /** A `release` record or a tombstone: the key's entry ends. */
  remove(parts: LockoutKeyParts): void {
    const key = subjectKey(parts.scope, parts.subject);
    const entries = this.entriesOf(key);
    const at = entries.findIndex((e) => sameKey(e, parts));
    if (at < 0) return;
    this.drop(
      key,
      entries.filter((_, i) => i !== at),
    );
    this.changed(key);
  }

  /** The entries of one subject key (expired ones included until swept). */
  entriesOf(key: string): readonly TableEntry[] {
    const held = this.subjects.get(key);
    if (held === undefined) return [];
    return Array.isArray(held) ? held : [held];
  }

  /** Every subject key with its entries. */
  subjectKeys(): IterableIterator<string> {
    return this.subjects.keys();
  }

  /**
   * Looks up each subject key (the client's identities, see identity.ts) at `nowMs`:
   * the enforce-mode entry that ends last refuses; shadow entries are reported only.
   */
  match(keys: readonly string[], nowMs: number): TableMatch {
    let refusing: (TableEntry & { subjectKey: string }) | undefined;
    let shadowRule: string | undefined;
    const consider = (entry: TableEntry, key: string) => {
      if (entry.expiresAtMs <= nowMs) return;
      if (entry.mode === 'shadow') shadowRule ??= entry.rule;
      else if (refusing === undefined || entry.expiresAtMs > refusing.expiresAtMs) {
        refusing = { ...entry, subjectKey: key };
      }
    };
    for (const key of keys) {
      const held = this.subjects.get(key);
      if (held === undefined) continue;
      if (Array.isArray(held)) for (const entry of held) consider(entry, key);
      else consider(held, key);
    }
    return { ...(refusing && { refusing }), ...(shadowRule !== undefined && { shadowRule }) };
  }

  /** Drops the entries expired at `nowMs`; returns how many. Cheap when none is due. */
  sweep(nowMs: number): number {
    if (nowMs < this.nextExpiryMs) return 0;
    let dropped = 0;
    let next = Number.POSITIVE_INFINITY;
    const changed: string[] = [];
    for (const [key, held] of this.subjects) {
      if (!Array.isArray(held)) {
        // The common case, without allocating: one entry, kept or dropped.
        if (held.expiresAtMs > nowMs) {
          if (held.expiresAtMs < next) next = held.expiresAtMs;
          continue;
        }
        dropped += 1;
        this.drop(key, []);
        changed.push(key);
        continue;
      }
      const entries = held;
      const live = entries.filter((e) => e.expiresAtMs > nowMs);
      for (const entry of live) if (entry.expiresAtMs < next) next = entry.expiresAtMs;
      if (live.length === entries.length) continue;
      dropped += entries.length - live.length;
      this.drop(key, live);
      changed.push(key);
    }
    // Told after the walk: a listener may read the table, never while it is mid-change.
    for (const key of changed) this.changed(key);
    this.nextExpiryMs = next;
    return dropped;
  }

  /** Entries held per scope and mode, for the metrics. */
  countByScopeAndMode(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [key, held] of this.subjects) {
      const scope = key.slice(0, key.indexOf(':'));
      for (const entry of Array.isArray(held) ? held : [held]) {
        const label = `${scope}/${entry.mode}`;
        counts.set(label, (counts.get(label) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** Keeps `remaining` of a subject's entries (held bare when one is left). */
  private drop(key: string, remaining: TableEntry[]): void {
    this.entryCount -= this.entriesOf(key).length - remaining.length;
    if (remaining.length === 0) {
      this.subjects.delete(key);
      this.countPrefix(key, -1);
    } else this.subjects.set(key, remaining.length === 1 ? remaining[0]! : remaining);
  }

  /** Keeps the list of IPv6 prefix lengths in use: `ip:2001:db8::/64` counts for 64. */
  private countPrefix(key: string, delta: number): void {
    if (!key.startsWith('ip:')) return;
    const slash = key.lastIndexOf('/');
    if (slash < 0) return;
    const length = Number(key.slice(slash + 1));
    if (!Number.isInteger(length)) return;
    const count = (this.prefixLengthCounts.get(length) ?? 0) + delta;
    if (count > 0) this.prefixLengthCounts.set(length, count);
    else this.prefixLengthCounts.delete(length);
    if (count === 1 || count === 0) {
      this.lengths = [...this.prefixLengthCounts.keys()].sort((a, b) => b - a);
    }
  }

  private changed(key: string): void {
    for (const listener of this.listeners) listener(key);
  }
}
