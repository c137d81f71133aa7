// The lockouts in force as the admin API shows them: whole LockoutCommand records, by
// key (`rule/mode/scope:subject`), read from the compacted lockouts topic by a
// LockoutSubscription. Every instance reads the whole topic, so every instance lists
// the same lockouts, also after a restart. Expiry publishes nothing: records past
// `expiresAt` are skipped on read and dropped by sweep().
import type { LockoutSink } from '../enforce/index.js';
import { lockoutKey, type LockoutCommand, type LockoutKeyParts } from '../decide/lockout.js';
import type { Mode, Scope } from '../vocabulary/scope.js';

export interface ListQuery {
  readonly scope?: Scope;
  readonly rule?: string;
  readonly mode?: Mode;
  /** 1..500. */
  readonly limit: number;
  /** From a previous page's nextCursor. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** A cursor that is not one this API gave out (or was tampered with). */
export class InvalidCursorError extends Error {
  constructor() {
    super('the cursor is not one this API gave out: start again without it');
  }
}

interface Held extends Position {
  readonly command: LockoutCommand;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

export class LockoutDirectory implements LockoutSink {
  private readonly byKey = new Map<string, Held>();
  /** Lockout id → key: ids are looked up by the routes `/v1/lockouts/{id}`. */
  private readonly keyOfId = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.byKey.size;
  }

  applyLockout(command: LockoutCommand, nowMs: number): void {
    const expiresAtMs = Date.parse(command.expiresAt);
    if (!(expiresAtMs > nowMs)) {
      this.remove(command);
      return;
    }
    const key = lockoutKey(command);
    this.drop(key);
    this.byKey.set(key, {
      command,
      id: command.id,
      issuedAtMs: Date.parse(command.issuedAt),
      expiresAtMs,
    });
    this.keyOfId.set(command.id, key);
  }

  remove(parts: LockoutKeyParts): void {
    this.drop(lockoutKey(parts));
  }

  /** The lockout with this id, if in force now. */
  get(id: string): LockoutCommand | undefined {
    const key = this.keyOfId.get(id);
    const held = key === undefined ? undefined : this.byKey.get(key);
    return held && held.expiresAtMs > this.now() ? held.command : undefined;
  }

  /** Every lockout in force of one subject (of one rule when named): what a lift releases. */
  ofSubject(scope: Scope, subject: string, rule?: string): LockoutCommand[] {
    const nowMs = this.now();
    return [...this.byKey.values()]
      .filter(
        (h) =>
          h.expiresAtMs > nowMs &&
          h.command.scope === scope &&
          h.command.subject === subject &&
          (rule === undefined || h.command.rule === rule),
      )
      .map((h) => h.command);
  }

  /** Every lockout in force, in no order: what an allowlist change is checked against. */
  inForce(): LockoutCommand[] {
    const nowMs = this.now();
    return [...this.byKey.values()].filter((h) => h.expiresAtMs > nowMs).map((h) => h.command);
  }

  /** Lockouts in force, newest `issuedAt` first (ties: id descending), one page. */
  list(query: ListQuery): Page<LockoutCommand> {
    const nowMs = this.now();
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const matching = [...this.byKey.values()].filter(
      (h) =>
        h.expiresAtMs > nowMs &&
        (query.scope === undefined || h.command.scope === query.scope) &&
        (query.rule === undefined || h.command.rule === query.rule) &&
        (query.mode === undefined || h.command.mode === query.mode) &&
        (after === undefined || before(h, after)),
    );
    matching.sort((a, b) => (before(a, b) ? 1 : before(b, a) ? -1 : 0));
    const page = matching.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((h) => h.command),
      ...(matching.length > query.limit && last && { nextCursor: encodeCursor(last) }),
    };
  }

  /** Drops the expired records; returns how many. Callers run it now and then. */
  sweep(): number {
    const nowMs = this.now();
    let dropped = 0;
    for (const [key, held] of this.byKey) {
      if (held.expiresAtMs > nowMs) continue;
      this.drop(key);
      dropped += 1;
    }
    return dropped;
  }

  private drop(key: string): void {
    const held = this.byKey.get(key);
    if (held === undefined) return;
    this.byKey.delete(key);
    if (this.keyOfId.get(held.command.id) === key) this.keyOfId.delete(held.command.id);
  }
}

interface Position {
  readonly issuedAtMs: number;
  readonly id: string;
}

/** Whether `a` comes after `b` in the listing's order (older, or same time and smaller id). */
function before(a: Position, b: Position): boolean {
  return a.issuedAtMs < b.issuedAtMs || (a.issuedAtMs === b.issuedAtMs && a.id < b.id);
}

/** Opaque to clients: the position of the last item given (issuedAt and id). */
function encodeCursor({ issuedAtMs, id }: Position): string {
  return Buffer.from(`${issuedAtMs}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  const text = Buffer.from(cursor, 'base64url').toString();
  const colon = text.indexOf(':');
  const issuedAtMs = Number(text.slice(0, colon));
  const id = text.slice(colon + 1);
  if (colon <= 0 || !Number.isSafeInteger(issuedAtMs) || id.length === 0) {
    throw new InvalidCursorError();
  }
  return { issuedAtMs, id };
}
