// The reply of one apply script call (scripts/apply/, 01-arguments.lua: "Returns"),
// decoded into step results and pending lockouts. The only reader of that reply: the
// Redis store's calls all come through here. A reply the script never returns (wrong
// length, a flag it never writes, an outbox record it never wrote) is refused with
// STORE_REPLY_INVALID, not retried: the same keys would give the same reply again.
import type { ClaimResult } from '../decide/policy.js';
import { ExfilguardError } from '../vocabulary/errors.js';
import type { PendingLockout, StepResult, WindowKey } from './store.js';

/** What decoding needs to know of the call, besides its reply. */
export interface ReplyShape {
  /** Per step of the call, in order: the figures of its reading (its observation's kind). */
  readonly figures: readonly number[];
  /** Per actor of the call, in order: whose pending lockouts the reply lists. */
  readonly actors: readonly { readonly scope: WindowKey['scope']; readonly subject: string }[];
}

export interface ApplyReply {
  /** Per step of the call, in order. */
  readonly results: StepResult[];
  /** Per actor of the call, in order: the lockouts its outbox held at the start of the call. */
  readonly pending: PendingLockout[][];
}

/** Opens a route sealed in an outbox record (RouteSeal); undefined when it cannot. */
export type RouteOpener = (sealed: string) => string | undefined;

/** Step flags, as 09-steps.lua writes them. */
const REDELIVERED = 0;
const APPLIED = 1;
const GRANTED = 2;
const REFUSED = 3;
/** Refused within the grace period of an operator's lift (08-claim.lua). */
const GRACE = 4;

export function decodeApplyReply(
  reply: unknown,
  shape: ReplyShape,
  openRoute: RouteOpener,
): ApplyReply {
  if (!Array.isArray(reply)) throw invalid(`the reply is ${describe(reply)}, not an array`);
  const cursor = new ReplyCursor(reply);
  const results = shape.figures.map((figures) => readStep(cursor, figures));
  const pending = shape.actors.map((actor) => {
    const count = cursor.count('pending lockouts');
    const lockouts = new Array<PendingLockout>(count);
    for (let p = 0; p < count; p += 1) {
      lockouts[p] = parsePending(cursor.text('pending lockout'), actor, openRoute);
    }
    return lockouts;
  });
  cursor.expectEnd();
  return { results, pending };
}

function readStep(cursor: ReplyCursor, figures: number): StepResult {
  const flag = cursor.number('step flag');
  const reading = new Array<number>(figures);
  for (let f = 0; f < figures; f += 1) reading[f] = cursor.number('reading figure');
  if (flag === REDELIVERED || flag === APPLIED) return { reading, applied: flag === APPLIED };
  if (flag !== GRANTED && flag !== REFUSED && flag !== GRACE)
    throw invalid(`step flag ${flag} is not 0-4`);
  const claim: ClaimResult = {
    granted: flag === GRANTED,
    offence: cursor.number('offence'),
    ttlMs: cursor.number('ttl'),
    lockedUntil: cursor.number('lockedUntil'),
    ...(flag === GRACE && { grace: true }),
  };
  return { reading, applied: true, claim };
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

  count(what: string): number {
    const value = this.number(what);
    if (!Number.isInteger(value) || value < 0) throw invalid(`${what}: ${value} is no count`);
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
      throw invalid(`${this.reply.length - this.at} entries after the last actor's lockouts`);
    }
  }

  private unexpected(what: string, value: unknown): ExfilguardError {
    const found = this.at >= this.reply.length ? 'the end of the reply' : describe(value);
    return invalid(`expected ${what} at entry ${this.at}, found ${found}`);
  }
}

/** A lockout in the outbox, as 08-claim.lua encodes it. */
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

function parsePending(
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
  return new ExfilguardError('STORE_REPLY_INVALID', `apply script reply: ${message}`, options);
}
