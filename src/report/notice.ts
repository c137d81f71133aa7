// The report's summary in the terms of a GDPR art. 33(3) notice to the supervisory
// authority: the nature of the breach with the approximate number of records
// concerned (per route, which the controller maps to categories of data and of
// people), when it happened, and the measures taken (the lockout, and what still
// got through after it). Figures only: no id or address is repeated here.
import type { BreachNotice, EnforcementGap, ReportLockout, RouteScope } from './schema.js';
import type { ReportSubject } from './subject.js';
import { iso } from './tally.js';

export interface NoticeInput {
  readonly subject: ReportSubject;
  readonly routes: readonly RouteScope[];
  readonly succeeded: number;
  readonly bytes: number;
  readonly successSpan: { readonly first: number; readonly last: number } | undefined;
  readonly lockout: ReportLockout | undefined;
  readonly gap: EnforcementGap | undefined;
}

/** A route's records: its distinct ids, or where it has none (exports) the rows reported. */
export function recordsOf(route: RouteScope): number {
  return route.distinctIds > 0 ? route.distinctIds : route.recordsReported;
}

export function breachNotice(input: NoticeInput): BreachNotice {
  const recordsByRoute = input.routes
    .map((route) => ({ route: route.route, records: recordsOf(route) }))
    .filter((entry) => entry.records > 0);
  const distinctRecords = recordsByRoute.reduce((sum, entry) => sum + entry.records, 0);
  const span = input.successSpan;
  const spanSeconds = span ? (span.last - span.first) / 1000 : 0;
  return {
    distinctRecords,
    recordsByRoute,
    ...(span && { firstSuccess: iso(span.first), lastSuccess: iso(span.last) }),
    spanSeconds,
    bytes: input.bytes,
    text: noticeText(input, recordsByRoute, distinctRecords, spanSeconds),
  };
}

function noticeText(
  input: NoticeInput,
  recordsByRoute: readonly { route: string; records: number }[],
  distinctRecords: number,
  spanSeconds: number,
): string[] {
  const who = `${input.subject.scope}:${input.subject.subject}`;
  const span = input.successSpan;
  if (!span)
    return [
      `Nature of the breach: no request of ${who} was answered with success in the period read; the logs show no record taken.`,
      measures(input),
    ];
  const routes = recordsByRoute.map((entry) => `${entry.route}: ${entry.records}`).join('; ');
  return [
    `Nature of the breach: bulk retrieval of records by ${who}, ${input.succeeded} requests answered with success ` +
      `from ${iso(span.first)} to ${iso(span.last)} (${formatSeconds(spanSeconds)}), ${input.bytes} bytes served.`,
    `Approximate number of personal data records concerned: ${distinctRecords}` +
      (routes ? ` (per route: ${routes}).` : '.'),
    'Categories of data and of data subjects: those each route above serves (the controller names them, ' +
      'e.g. a customer profile per id); the number of people concerned is at most the records of the routes ' +
      'that hold one person per record.',
    measures(input),
  ];
}

function measures({ lockout, gap }: NoticeInput): string {
  if (!lockout) return 'Measures taken: no lockout was given to this report.';
  const after = gap
    ? ` ${gap.succeeded} requests (${gap.distinctIds} distinct records, ${gap.bytes} bytes) were still answered with success after it.`
    : '';
  return `Measures taken: ${lockoutPhrase(lockout)}.${after}`;
}

/** Which lockout, when, and where the report found it, in words. */
export function lockoutPhrase(lockout: ReportLockout): string {
  const until = lockout.expiresAt ? ` until ${lockout.expiresAt}` : '';
  switch (lockout.source) {
    case 'lockouts-topic':
      return `lockout ${lockout.id} by rule ${lockout.rule ?? '?'} from ${lockout.lockedAt}${until} (its record on the lockouts topic)`;
    case 'audit-topic':
      return `lockout ${lockout.id} added by hand at ${lockout.lockedAt}${until} (the admin audit trail: its record on the lockouts topic is gone)`;
    case 'command-line':
      return `a lockout from ${lockout.lockedAt} (the time given with --locked-at)`;
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}
