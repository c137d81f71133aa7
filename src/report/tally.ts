// One subject's activity, folded event by event: the only state a report keeps, so
// memory grows with what the subject did (its routes, ids and companions), never with
// the size of the log. Each of those is capped (ReportLimits); past a cap the report
// stops with REPORT_LIMIT rather than grow without bound or quietly drop ids.
import type { NormalizedEvent } from '../normalize/index.js';
import { compareText, idRanges, orderIds } from './id-ranges.js';
import type { EnforcementGap, LinkedIdentity, ReportRequest, RouteScope } from './schema.js';

export interface ReportLimits {
  /** Distinct (route, id) pairs served with success. */
  readonly maxIds: number;
  readonly maxRoutes: number;
  /** Distinct addresses, sessions and users seen with the subject, each. */
  readonly maxLinked: number;
}

export const DEFAULT_REPORT_LIMITS: ReportLimits = {
  maxIds: 250_000,
  maxRoutes: 10_000,
  maxLinked: 10_000,
};

/** A cap reached: which, and its value (the caller says where in the input). */
export class ReportLimitReached extends Error {
  constructor(
    readonly limit: keyof ReportLimits,
    readonly value: number,
  ) {
    super(`${limit} ${value} reached`);
  }
}

/** When the lockout was in force: events in [fromMs, untilMs) are the enforcement gap. */
export interface LockoutSpan {
  readonly fromMs: number;
  readonly untilMs?: number;
}

/** An id served with success; IN_GAP: (also) while the lockout was in force. */
const SERVED = 1;
const IN_GAP = 2;

interface RouteTally {
  requests: number;
  succeeded: number;
  bytes: number;
  recordsReported: number;
  /** Id → SERVED | IN_GAP flags. */
  readonly ids: Map<string, number>;
}

interface LinkedTally {
  requests: number;
  first: number;
  last: number;
}

interface GapTally {
  requests: number;
  succeeded: number;
  bytes: number;
  firstSucceeded: number;
  lastSucceeded: number;
}

/** A route's ids served with success, in report order, and whether each was in the gap. */
export interface RouteIds {
  readonly route: string;
  readonly ids: readonly { readonly id: string; readonly inGap: boolean }[];
}

export class SubjectTally {
  requests = 0;
  succeeded = 0;
  bytes = 0;
  private first: NormalizedEvent | undefined;
  private last: NormalizedEvent | undefined;
  private firstSuccess = Number.POSITIVE_INFINITY;
  private lastSuccess = Number.NEGATIVE_INFINITY;
  private readonly routes = new Map<string, RouteTally>();
  private readonly linked = {
    addresses: new Map<string, LinkedTally>(),
    sessions: new Map<string, LinkedTally>(),
    users: new Map<string, LinkedTally>(),
  };
  private ids = 0;
  private readonly gap: GapTally | undefined;

  constructor(
    private readonly limits: ReportLimits,
    private readonly lockout?: LockoutSpan,
  ) {
    if (lockout)
      this.gap = {
        requests: 0,
        succeeded: 0,
        bytes: 0,
        firstSucceeded: Number.POSITIVE_INFINITY,
        lastSucceeded: Number.NEGATIVE_INFINITY,
      };
  }

  /** One event of the subject, within the report's period. */
  add(event: NormalizedEvent): void {
    const success = event.status >= 200 && event.status <= 299;
    this.requests += 1;
    if (!this.first || before(event, this.first)) this.first = event;
    if (!this.last || before(this.last, event)) this.last = event;
    this.link(this.linked.addresses, event.ip, event.ts);
    if (event.session) this.link(this.linked.sessions, event.session, event.ts);
    if (event.user) this.link(this.linked.users, event.user, event.ts);
    const route = this.route(event.route);
    route.requests += 1;
    const inGap = this.inGap(event.ts);
    if (inGap) this.gap!.requests += 1;
    if (!success) return;
    this.succeeded += 1;
    this.bytes += event.bytes;
    if (event.ts < this.firstSuccess) this.firstSuccess = event.ts;
    if (event.ts > this.lastSuccess) this.lastSuccess = event.ts;
    route.succeeded += 1;
    route.bytes += event.bytes;
    route.recordsReported += event.records ?? 0;
    if (event.objectId !== undefined) this.serve(route, event.objectId, inGap);
    if (inGap) this.gapSuccess(event);
  }

  private inGap(ts: number): boolean {
    const span = this.lockout;
    return (
      span !== undefined && ts >= span.fromMs && (span.untilMs === undefined || ts < span.untilMs)
    );
  }

  private gapSuccess(event: NormalizedEvent): void {
    const gap = this.gap!;
    gap.succeeded += 1;
    gap.bytes += event.bytes;
    if (event.ts < gap.firstSucceeded) gap.firstSucceeded = event.ts;
    if (event.ts > gap.lastSucceeded) gap.lastSucceeded = event.ts;
  }

  private route(template: string): RouteTally {
    let route = this.routes.get(template);
    if (route) return route;
    if (this.routes.size >= this.limits.maxRoutes)
      throw new ReportLimitReached('maxRoutes', this.limits.maxRoutes);
    route = { requests: 0, succeeded: 0, bytes: 0, recordsReported: 0, ids: new Map() };
    this.routes.set(template, route);
    return route;
  }

  private serve(route: RouteTally, id: string, inGap: boolean): void {
    const flags = route.ids.get(id);
    if (flags === undefined) {
      if (this.ids >= this.limits.maxIds)
        throw new ReportLimitReached('maxIds', this.limits.maxIds);
      this.ids += 1;
    }
    route.ids.set(id, (flags ?? 0) | SERVED | (inGap ? IN_GAP : 0));
  }

  private link(map: Map<string, LinkedTally>, value: string, ts: number): void {
    const seen = map.get(value);
    if (seen) {
      seen.requests += 1;
      if (ts < seen.first) seen.first = ts;
      if (ts > seen.last) seen.last = ts;
      return;
    }
    if (map.size >= this.limits.maxLinked)
      throw new ReportLimitReached('maxLinked', this.limits.maxLinked);
    map.set(value, { requests: 1, first: ts, last: ts });
  }

  firstRequest(): ReportRequest | undefined {
    return this.first && requestOf(this.first);
  }

  lastRequest(): ReportRequest | undefined {
    return this.last && requestOf(this.last);
  }

  /** First and last 2xx answer, epoch ms; undefined when nothing succeeded. */
  successSpan(): { first: number; last: number } | undefined {
    return this.succeeded > 0 ? { first: this.firstSuccess, last: this.lastSuccess } : undefined;
  }

  linkedIdentities(): Record<'addresses' | 'sessions' | 'users', LinkedIdentity[]> {
    return {
      addresses: linkedList(this.linked.addresses),
      sessions: linkedList(this.linked.sessions),
      users: linkedList(this.linked.users),
    };
  }

  /** Routes by route template. */
  routeScopes(): RouteScope[] {
    return [...this.routes.keys()].sort(compareText).map((template) => {
      const route = this.routes.get(template)!;
      return {
        route: template,
        requests: route.requests,
        succeeded: route.succeeded,
        bytes: route.bytes,
        recordsReported: route.recordsReported,
        distinctIds: route.ids.size,
        ids: idRanges(route.ids.keys()),
      };
    });
  }

  routeIds(): RouteIds[] {
    return [...this.routes.keys()].sort(compareText).map((template) => {
      const ids = this.routes.get(template)!.ids;
      return {
        route: template,
        ids: orderIds(ids.keys()).map((id) => ({ id, inGap: (ids.get(id)! & IN_GAP) !== 0 })),
      };
    });
  }

  enforcementGap(): EnforcementGap | undefined {
    const { gap, lockout } = this;
    if (!gap || !lockout) return undefined;
    let distinctIds = 0;
    for (const route of this.routes.values())
      for (const flags of route.ids.values()) if (flags & IN_GAP) distinctIds += 1;
    return {
      from: iso(lockout.fromMs),
      ...(lockout.untilMs !== undefined && { until: iso(lockout.untilMs) }),
      requests: gap.requests,
      succeeded: gap.succeeded,
      bytes: gap.bytes,
      distinctIds,
      ...(gap.succeeded > 0 && {
        firstSucceeded: iso(gap.firstSucceeded),
        lastSucceeded: iso(gap.lastSucceeded),
      }),
      byGateway: null,
    };
  }
}

/**
 * Event order for first and last: by time, then by method, route and status, so that
 * events of the same millisecond give the same answer in any reading order.
 */
function before(a: NormalizedEvent, b: NormalizedEvent): boolean {
  if (a.ts !== b.ts) return a.ts < b.ts;
  return (
    (compareText(a.method, b.method) || compareText(a.route, b.route) || a.status - b.status) < 0
  );
}

function requestOf(event: NormalizedEvent): ReportRequest {
  return { time: iso(event.ts), method: event.method, route: event.route, status: event.status };
}

function linkedList(map: Map<string, LinkedTally>): LinkedIdentity[] {
  return [...map.keys()].sort(compareText).map((value) => {
    const seen = map.get(value)!;
    return { value, requests: seen.requests, first: iso(seen.first), last: iso(seen.last) };
  });
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
