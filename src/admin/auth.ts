// Who calls the admin API: named bearer tokens, configured as their SHA-256 (never in
// clear), each with a role, matched in constant time (vocabulary/hashed-secrets.ts).
// Failed logins are slowed per source address.
import { HashedSecrets } from '../vocabulary/hashed-secrets.js';

/** Weakest first: each role may do what those before it may. */
export const ADMIN_ROLES = ['viewer', 'operator', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** One named token: its hex SHA-256, never the token itself. */
export interface AdminToken {
  readonly name: string;
  readonly role: AdminRole;
  readonly hash: string;
}

/** Who a request is: the token's name (the audit trail's "who") and role. */
export interface Caller {
  readonly name: string;
  readonly role: AdminRole;
}

export function roleAllows(role: AdminRole, needed: AdminRole): boolean {
  return ADMIN_ROLES.indexOf(role) >= ADMIN_ROLES.indexOf(needed);
}

export class TokenAuthenticator {
  private readonly tokens: HashedSecrets<Caller>;

  constructor(tokens: readonly AdminToken[]) {
    this.tokens = new HashedSecrets(
      tokens.map((t) => ({ hash: t.hash, value: { name: t.name, role: t.role } })),
    );
  }

  /** The caller of an `Authorization: Bearer <token>` header, or undefined. */
  authenticate(header: string | undefined): Caller | undefined {
    const token = bearerToken(header);
    return token === undefined ? undefined : this.tokens.find(token);
  }
}

/** The token of a Bearer header (scheme case-insensitive, RFC 6750), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  return match?.[1];
}

export interface SlowDownOptions {
  /** Delay after the first failure; doubles with each further one. */
  readonly baseMs?: number;
  readonly maxMs?: number;
  /** A source address silent this long starts afresh. */
  readonly forgetAfterMs?: number;
  /** Addresses remembered at most (the oldest forgotten first): memory stays bounded. */
  readonly maxAddresses?: number;
  readonly now?: () => number;
}

/**
 * How long to hold back the answer to a failed login, per source address: 100 ms after
 * the first, doubling up to 2 s. Guessing a 256-bit token is hopeless anyway; this keeps
 * a misconfigured client or a scanner from hammering the port, and the counter tells.
 */
export class FailureSlowDown {
  private readonly failures = new Map<string, { count: number; lastMs: number }>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: SlowDownOptions = {}) {
    this.baseMs = options.baseMs ?? 100;
    this.maxMs = options.maxMs ?? 2000;
    this.forgetAfterMs = options.forgetAfterMs ?? 15 * 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get addresses(): number {
    return this.failures.size;
  }

  /** Counts a failure from `address`; returns the delay before answering it. */
  failed(address: string): number {
    const nowMs = this.now();
    const held = this.failures.get(address);
    const count = held && nowMs - held.lastMs < this.forgetAfterMs ? held.count + 1 : 1;
    // Re-inserted, so the Map's order is least recently failed first.
    this.failures.delete(address);
    this.failures.set(address, { count, lastMs: nowMs });
    if (this.failures.size > this.maxAddresses) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(count - 1, 30));
  }

  /** A successful login from `address`: its count starts afresh. */
  succeeded(address: string): void {
    this.failures.delete(address);
  }
}
