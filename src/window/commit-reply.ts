// The reply of one commit script call (scripts/commit/, 01-arguments.lua: "Returns"),
// decoded into each actor's pending lockouts (or its conflict) and each claim's result.
// The only reader of that reply: the Redis store's commits all come through here. A
// reply the script never returns (wrong length, a result it never writes, an outbox
// record it never wrote) is refused with STORE_REPLY_INVALID, not retried: the same keys
// would give the same reply again.
import type { ClaimResult } from '../decide/policy.js';
import { ExfilguardError } from '../vocabulary/errors.js';
import type { PendingLockout, WindowKey } from './store.js';

/** What decoding needs to know of the call, besides its reply. */
export interface ReplyShape {
  /** Per actor of the call, in order: whose pending lockouts the reply lists. */
  readonly actors: readonly { readonly scope: WindowKey['scope']; readonly subject: string }[];
  /** Claims in the call. */
  readonly claims: number;
}

export interface CommitReply {
  /** Per actor of the call, in order: the lockouts its outbox held, or null: in conflict. */
  readonly pending: (PendingLockout[] | null)[];
  /** Per claim of the call, in order: its result, or null when its actor is in conflict. */
  readonly claims: (ClaimResult | null)[];
}

/** Opens a route sealed in an outbox record (RouteSeal); undefined when it cannot. */
export type RouteOpener = (sealed: string) => string | undefined;

/** Claim results, as 05-claim.lua returns them (0: the actor is in conflict). */
const IN_CONFLICT = 0;
const GRANTED = 2;
const REFUSED = 3;
/** Refused within the grace period of an operator's lift (05-claim.lua). */
const GRACE = 4;

export function decodeCommitReply(
  reply: unknown,
  shape: ReplyShape,
  openRoute: RouteOpener,
): CommitReply {
  if (!Array.isArray(reply)) throw invalid(`the reply is ${describe(reply)}, not an array`);
  const cursor = new ReplyCursor(reply);
  const pending = shape.actors.map((actor) => {
    const count = cursor.number('pending lockouts');
    if (count === -1) return null;
    if (!Number.isInteger(count) || count < 0)
      throw invalid(`pending lockouts: ${count} is no count`);
    const lockouts = new Array<PendingLockout>(count);
    for (let p = 0; p < count; p += 1) {
      lockouts[p] = parsePending(cursor.text('pending lockout'), actor, openRoute);
    }
    return lockouts;
  });
  const claims = new Array<ClaimResult | null>(shape.claims);
  for (let c = 0; c < shape.claims; c += 1) claims[c] = readClaim(cursor);
  cursor.expectEnd();
  return { pending, claims };
}

function readClaim(cursor: ReplyCursor): ClaimResult | null {
  const result = cursor.number('claim result');
  const offence = cursor.number('offence');
  const ttlMs = cursor.number('ttl');
  const lockedUntil = cursor.number('lockedUntil');
  if (result === IN_CONFLICT) return null;
  if (result !== GRANTED && result !== REFUSED && result !== GRACE)
    throw invalid(`claim result ${result} is not 0, 2, 3 or 4`);
  return {
    granted: result === GRANTED,
    offence,
    ttlMs,
    lockedUntil,
    ...(result === GRACE && { grace: true }),
  };
}

/** Reads the flat reply in order; every read checks the type the script writes there. */
class ReplyCursor {
  private at = 0;

  constructor(private readonly reply: readonly unknown[]) {}

  number(what: string): number {
    const value = this.reply[this.at];
    if (typeof value !== 'number') throw this.unexpected(what, value);
    this.at += 1;
    return value;
  }

  text(what: string): string {
    const value = this.reply[this.at];
    if (typeof value !== 'string') throw this.unexpected(what, value);
    this.at += 1;
    return value;
  }

  expectEnd(): void {
    if (this.at !== this.reply.length) {
      throw invalid(`${this.reply.length - this.at} entries after the last claim`);
    }
  }

  private unexpected(what: string, value: unknown): ExfilguardError {
    const found = this.at >= this.reply.length ? 'the end of the reply' : describe(value);
    return invalid(`expected ${what} at entry ${this.at}, found ${found}`);
  }
}

/** A lockout in the outbox, as 05-claim.lua encodes it (and the script before it did). */
interface PendingRecord {
  rule: string;
  /** The route, sealed (RouteSeal). */
  rs?: string;
  /**
   * Legacy: the route in clear, in records written before issue 9 (commit a7e696b). The
   * outbox lives a day after its last lockout, so a Redis an earlier version wrote can
   * still hold them when this version starts on it; see 03-legacy-upgrade.lua.
   */
  rt?: string;
  s?: string;
  off?: number;
  ts: number;
  o: number;
  t: number;
  r: number[];
}

export function parsePending(
  json: string,
  actor: ReplyShape['actors'][number],
  openRoute: RouteOpener,
): PendingLockout {
  const record = parseRecord(json);
  const route = record.rs !== undefined ? openRoute(record.rs) : record.rt;
  const key: WindowKey = {
    rule: record.rule,
    scope: actor.scope,
    subject: actor.subject,
    ...(route !== undefined && { route }),
  };
  return {
    key,
    eventTs: record.ts,
    offence: record.o,
    ttlMs: record.t,
    reading: record.r,
    ...(record.s !== undefined &&
      record.off !== undefined && { position: { stream: record.s, offset: record.off } }),
  };
}

function parseRecord(json: string): PendingRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw invalid(`a pending lockout is not JSON: ${(error as Error).message}`, error);
  }
  if (!isPendingRecord(value))
    throw invalid('a pending lockout lacks rule, ts, o, t or r, or has them mistyped');
  return value;
}

function isPendingRecord(value: unknown): value is PendingRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.rule === 'string' &&
    typeof r.ts === 'number' &&
    typeof r.o === 'number' &&
    typeof r.t === 'number' &&
    Array.isArray(r.r) &&
    r.r.every((figure) => typeof figure === 'number') &&
    (r.rs === undefined || typeof r.rs === 'string') &&
    (r.rt === undefined || typeof r.rt === 'string') &&
    (r.s === undefined || typeof r.s === 'string') &&
    (r.off === undefined || typeof r.off === 'number')
  );
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

function invalid(message: string, cause?: unknown): ExfilguardError {
  const options = cause === undefined ? undefined : { cause };
  return new ExfilguardError('STORE_REPLY_INVALID', `commit script reply: ${message}`, options);
}
