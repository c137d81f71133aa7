// The answer to one check: allow (2xx) or refuse (403 with Retry-After), the same for
// nginx auth_request, Traefik ForwardAuth, Envoy's HTTP ext_authz and the Fastify hook.
//
// When the enforcer cannot vouch for its table, its fail mode decides:
// - not caught up yet (it has not read the topic up to where it stood at start): the
//   table may still hold lockouts released further on, so it is not used at all —
//   `open` allows every request, `closed` refuses every request;
// - caught up once, but no successful fetch for longer than the stale limit (the broker
//   is lost): the table was right at the last fetch and its entries still lapse on time,
//   only releases and new lockouts published since are unseen — `open` keeps refusing
//   what the table holds and allows the rest, `closed` refuses every request.
import type { TableMatch } from './table.js';

export type FailMode = 'open' | 'closed';

/** How far the table can be trusted right now. */
export type TableState = 'current' | 'catching-up' | 'stale';

export type CheckOutcome =
  'allowed' | 'refused' | 'shadow' | 'degraded_allowed' | 'degraded_refused';

export interface Verdict {
  readonly outcome: CheckOutcome;
  readonly status: 200 | 403;
  /** Response headers (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** The rule refusing, or the shadow rule that matched. */
  readonly rule?: string;
  readonly lockoutId?: string;
  readonly retryAfterSeconds?: number;
}

/** Retry-After when refusing for want of a table (fail closed): seconds. */
export const DEGRADED_RETRY_AFTER_SECONDS = 5;

const ALLOW: Verdict = { outcome: 'allowed', status: 200, headers: {} };

export function verdictOf(
  match: TableMatch,
  state: TableState,
  failMode: FailMode,
  nowMs: number,
): Verdict {
  if (state !== 'current' && (failMode === 'closed' || state === 'catching-up')) {
    return degraded(state, failMode);
  }
  const { refusing } = match;
  if (refusing !== undefined) {
    const retryAfterSeconds = Math.max(1, Math.ceil((refusing.expiresAtMs - nowMs) / 1000));
    const scope = refusing.subjectKey.slice(0, refusing.subjectKey.indexOf(':'));
    return {
      outcome: 'refused',
      status: 403,
      headers: {
        'retry-after': String(retryAfterSeconds),
        'x-exfilguard-rule': refusing.rule,
        'x-exfilguard-lockout-id': refusing.id,
        'x-exfilguard-scope': scope,
        'cache-control': 'no-store',
      },
      rule: refusing.rule,
      lockoutId: refusing.id,
      retryAfterSeconds,
    };
  }
  if (match.shadowRule !== undefined) {
    return { outcome: 'shadow', status: 200, headers: {}, rule: match.shadowRule };
  }
  return ALLOW;
}

function degraded(state: Exclude<TableState, 'current'>, failMode: FailMode): Verdict {
  const headers = { 'x-exfilguard-degraded': state };
  if (failMode === 'open') return { outcome: 'degraded_allowed', status: 200, headers };
  return {
    outcome: 'degraded_refused',
    status: 403,
    headers: {
      ...headers,
      'retry-after': String(DEGRADED_RETRY_AFTER_SECONDS),
      'cache-control': 'no-store',
    },
    retryAfterSeconds: DEGRADED_RETRY_AFTER_SECONDS,
  };
}
