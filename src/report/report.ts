// A breach-scope report, built from raw records in one pass: each record is parsed by
// the detector's own parser (event/) and, if it is the subject's and inside the
// period, normalised by the detector's own normaliser (normalize/), so the routes and
// ids are the ones the detector sees. Where the records come from (files, a topic)
// is the caller's: it pushes them here and says where a limit was reached.
import {
  type AccessEvent,
  type EventFormat,
  jsonDepthWithin,
  MAX_RAW_BYTES,
  parseEvent,
} from '../event/index.js';
import { normalizeEvent } from '../normalize/index.js';
import { breachNotice } from './notice.js';
import { REPORT_VERSION, type ReportLockout, type ScopeReport } from './schema.js';
import { subjectMatcher, type ReportSubject, type SubjectMatcher } from './subject.js';
import { iso, SubjectTally, type ReportLimits, type RouteIds } from './tally.js';

/** The keys that make the event parser read a JSON object as canonical (event/parse.ts). */
const CANONICAL_KEYS = ['ts', 'ip', 'method', 'path', 'status'] as const;

export interface ReportOptions {
  readonly subject: ReportSubject;
  /** Event times read: from inclusive, to exclusive. */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly format: EventFormat;
  readonly limits: ReportLimits;
  readonly lockout?: ReportLockout;
}

/** What was read, for the summary on stderr (not part of the report: it says how, not what). */
export interface ReportCounts {
  records: number;
  invalid: number;
  /** Events of the subject within the period. */
  events: number;
}

export interface FinishedReport {
  readonly report: ScopeReport;
  /** Every id served with success, per route, for the CSV: listed only when asked for. */
  readonly ids: () => RouteIds[];
}

export class ReportBuilder {
  readonly counts: ReportCounts = { records: 0, invalid: 0, events: 0 };
  private readonly matches: SubjectMatcher;
  private readonly tally: SubjectTally;
  private readonly fromMs: number;
  private readonly toMs: number;

  constructor(private readonly options: ReportOptions) {
    this.matches = subjectMatcher(options.subject);
    this.fromMs = options.fromMs ?? Number.NEGATIVE_INFINITY;
    this.toMs = options.toMs ?? Number.POSITIVE_INFINITY;
    const { lockout } = options;
    this.tally = new SubjectTally(
      options.limits,
      lockout && {
        fromMs: Date.parse(lockout.lockedAt),
        ...(lockout.expiresAt !== undefined && { untilMs: Date.parse(lockout.expiresAt) }),
      },
    );
  }

  /** One raw record (a log line, a message value). Throws ReportLimitReached past a cap. */
  push(record: string | Buffer): void {
    this.counts.records += 1;
    // Decoded once here rather than in the parser, so topic records take the shortcut too.
    const text = typeof record === 'string' ? record : record.toString('utf8');
    if (this.anotherSubjects(text)) return;
    const outcome = parseEvent(text, this.options.format);
    if (!outcome.ok) {
      this.counts.invalid += 1;
      return;
    }
    const event = outcome.event;
    if (!this.matches(event) || event.ts < this.fromMs || event.ts >= this.toMs) return;
    this.counts.events += 1;
    this.tally.add(normalizeEvent(event));
  }

  /**
   * True when a canonical JSON line names someone else: JSON.parse alone, without the
   * schema's checks (two thirds of parsing, measured), then the subject test on its raw
   * `ip`, `session` and `user`. Exact, because the canonical schema passes those three
   * through unchanged when it accepts a record: a record it would accept is the subject's
   * exactly when its raw fields are. Anything else (ECS, combined, not an object, a field
   * of another type) goes through the full parser. Such a line is not validated, so
   * `invalid` counts only the lines that could have been the subject's.
   */
  private anotherSubjects(text: string): boolean {
    if (this.options.format === 'combined' || text.charCodeAt(0) !== 0x7b /* { */) return false;
    // Oversized or deeply nested: the parser refuses it without JSON.parse, so do we.
    if (text.length > MAX_RAW_BYTES || !jsonDepthWithin(text)) return false;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return false;
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
    const raw = doc as Record<string, unknown>;
    if (!CANONICAL_KEYS.some((key) => Object.hasOwn(raw, key))) return false;
    const { ip, session, user } = raw;
    if (typeof ip !== 'string') return false;
    const probe = {
      ip,
      ...(typeof session === 'string' && { session }),
      ...(typeof user === 'string' && { user }),
    } as AccessEvent;
    return !this.matches(probe);
  }

  /** A record refused before parsing (a line over the length cap). */
  pushRejected(): void {
    this.counts.records += 1;
    this.counts.invalid += 1;
  }

  finish(): FinishedReport {
    const { options, tally } = this;
    const routes = tally.routeScopes();
    const gap = tally.enforcementGap();
    const first = tally.firstRequest();
    const last = tally.lastRequest();
    const report: ScopeReport = {
      version: REPORT_VERSION,
      scope: options.subject.scope,
      subject: options.subject.subject,
      period: {
        ...(options.fromMs !== undefined && { from: iso(options.fromMs) }),
        ...(options.toMs !== undefined && { to: iso(options.toMs) }),
      },
      requests: tally.requests,
      succeeded: tally.succeeded,
      bytes: tally.bytes,
      ...(first && { firstRequest: first }),
      ...(last && { lastRequest: last }),
      linked: tally.linkedIdentities(),
      routes,
      ...(options.lockout && { lockout: options.lockout }),
      ...(gap && { enforcementGap: gap }),
      notice: breachNotice({
        subject: options.subject,
        routes,
        succeeded: tally.succeeded,
        bytes: tally.bytes,
        successSpan: tally.successSpan(),
        lockout: options.lockout,
        gap,
      }),
    };
    return { report, ids: () => tally.routeIds() };
  }
}
