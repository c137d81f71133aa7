// What every generator returns: an actor's events and who it is, as the engine
// measures it (scope + subject), so a test or a benchmark can tell whether the
// right actor was locked out, and nobody else.
import type { AccessEvent } from '../event/index.js';
import { actorIp } from '../normalize/index.js';
import type { Scope } from '../vocabulary/scope.js';

/** The client as the edge sees it. Attackers each have their own. */
export interface Identity {
  readonly ip: string;
  readonly session?: string;
  readonly user?: string;
  readonly userAgent?: string;
}

/** One window owner: `ip` subjects of IPv6 clients are their network prefix. */
export interface Subject {
  readonly scope: Scope;
  readonly subject: string;
}

export type Role = 'benign' | 'attacker';

export interface Actor {
  /** Short label for reports, e.g. "ascending 20/s". */
  readonly name: string;
  readonly role: Role;
  /** In event-time order. */
  readonly events: AccessEvent[];
  /**
   * Attackers: who a rule must lock out (any one of them will do). Benign actors:
   * every subject their events carry, none of which may be locked out.
   */
  readonly subjects: readonly Subject[];
  /** Attackers: records (requests) it may get before it must be locked out. */
  readonly budget?: number;
}

/** What every generator takes. */
export interface ActorOptions {
  /** Epoch milliseconds of the first request. */
  readonly start: number;
  readonly seed: number;
  readonly identity: Identity;
  readonly name?: string;
}

/** Per-request fields a generator varies; the rest comes from the identity. */
export interface RequestFields {
  readonly path: string;
  readonly status?: number;
  readonly bytes?: number;
  readonly records?: number;
  readonly method?: string;
}

/** The default prefix an IPv6 client is measured by (the rules' `ipv6Prefix`). */
export const IPV6_PREFIX = 64;

export function request(identity: Identity, ts: number, fields: RequestFields): AccessEvent {
  return {
    ts,
    ip: identity.ip,
    method: fields.method ?? 'GET',
    path: fields.path,
    status: fields.status ?? 200,
    bytes: fields.bytes ?? 0,
    ...(identity.session !== undefined && { session: identity.session }),
    ...(identity.user !== undefined && { user: identity.user }),
    ...(identity.userAgent !== undefined && { userAgent: identity.userAgent }),
    ...(fields.records !== undefined && { records: fields.records }),
  };
}

/** The subjects of one identity, as the rules key them. */
export function subjectsOf(identity: Identity, ipv6Prefix = IPV6_PREFIX): Subject[] {
  const subjects: Subject[] = [{ scope: 'ip', subject: actorIp(identity.ip, ipv6Prefix) }];
  if (identity.session) subjects.push({ scope: 'session', subject: identity.session });
  if (identity.user) subjects.push({ scope: 'user', subject: identity.user });
  return subjects;
}

/** Every distinct subject the events carry: what a benign actor must never lose. */
export function subjectsSeen(events: readonly AccessEvent[], ipv6Prefix = IPV6_PREFIX): Subject[] {
  const seen = new Map<string, Subject>();
  for (const event of events) {
    for (const subject of subjectsOf(event, ipv6Prefix)) {
      seen.set(`${subject.scope}:${subject.subject}`, subject);
    }
  }
  return [...seen.values()];
}

/** True when the lockout's scope and subject are one of the actor's. */
export function concerns(actor: Pick<Actor, 'subjects'>, lockout: Subject): boolean {
  return actor.subjects.some((s) => s.scope === lockout.scope && s.subject === lockout.subject);
}

/** A benign actor: its events in time order, every subject they carry its own. */
export function benignActor(name: string, events: AccessEvent[]): Actor {
  byTime(events);
  return { name, role: 'benign', events, subjects: subjectsSeen(events) };
}

/** An attacker with the design's target: records (or pages) it may get before its lockout. */
export function budgeted(budget: number, actor: Actor): Actor {
  return { ...actor, budget };
}

/** Sorts in place by time; stable, so equal times keep generation order. */
export function byTime(events: AccessEvent[]): AccessEvent[] {
  return events.sort((a, b) => a.ts - b.ts);
}
