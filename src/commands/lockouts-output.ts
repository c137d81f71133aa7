// What `exfilguard lockouts` prints for people: tables of lockouts and releases, one
// lockout in full, times left, and each refusal as one line with its exit code.
// --json bypasses the tables (the records as received), never the refusals.
import type { AdminApiError } from '../clients/admin-api.js';
import type {
  LockoutCommand,
  LockoutKeyParts,
  LockoutRecord,
  ReleaseCommand,
} from '../decide/lockout.js';
import { formatDuration } from '../vocabulary/units.js';

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

export function jsonLines(records: readonly unknown[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

/** "2h 5m", "45s", "expired": how long until the lockout lapses, to the minute above an hour. */
export function expiresIn(expiresAt: string, nowMs: number): string {
  const seconds = Math.floor((Date.parse(expiresAt) - nowMs) / 1000);
  if (seconds <= 0) return 'expired';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

export function lockoutTable(lockouts: readonly LockoutCommand[], nowMs: number): string {
  return table(
    ['ID', 'RULE', 'SCOPE:SUBJECT', 'MODE', 'EXPIRES IN', 'REASON'],
    lockouts.map((l) => [
      l.id,
      l.rule,
      `${l.scope}:${l.subject}`,
      l.mode,
      expiresIn(l.expiresAt, nowMs),
      oneLine(l.reason),
    ]),
  );
}

export function releaseTable(releases: readonly ReleaseCommand[]): string {
  return table(
    ['RELEASE ID', 'RULE', 'SCOPE:SUBJECT', 'MODE', 'LOCKOUT ID'],
    releases.map((r) => [r.id, r.rule, `${r.scope}:${r.subject}`, r.mode, r.releases ?? '-']),
  );
}

/** Columns padded to their widest cell; the last one (free text) is not padded. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: readonly string[]) => tableLine(cells, widths);
  return [render(header), ...rows.map(render)].join('\n') + '\n';
}

function tableLine(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
    .join('  ');
}

/** An extra column of a record stream, before the reason (the demo names the attack). */
export interface StreamColumn {
  readonly title: string;
  readonly width: number;
}

/**
 * The table of `lockouts follow`: one line per record as it arrives, so the widths are
 * fixed up front (wide enough for the shipped rules and IPv4 subjects; a longer cell
 * shifts its own line only). A release names who released it; TIME is when the record
 * was issued (a tombstone has none: when it was read).
 */
export class RecordStreamTable {
  private readonly widths: readonly number[];

  constructor(private readonly extra?: StreamColumn) {
    this.widths = [20, 18, 22, 7, 5, ...(extra ? [extra.width] : []), 0];
  }

  header(): string {
    return this.line(['TIME', 'RULE', 'SCOPE:SUBJECT', 'MODE', 'TTL'], 'REASON', this.extra?.title);
  }

  row(record: LockoutRecord, extra = '-'): string {
    const cells = [
      secondsOf(record.issuedAt),
      record.rule,
      `${record.scope}:${record.subject}`,
      record.mode,
    ];
    if (record.type === 'lockout')
      return this.line(
        [...cells, formatDuration(record.ttlSeconds * 1000)],
        oneLine(record.reason),
        extra,
      );
    const ticket = record.ticket === undefined ? '' : ` (ticket ${oneLine(record.ticket)})`;
    const why = `released by ${record.releasedBy}: ${oneLine(record.reason)}${ticket}`;
    return this.line([...cells, '-'], why, extra);
  }

  /** A record with no value: its key's lockout is deleted. */
  tombstoneRow(parts: LockoutKeyParts, nowMs: number, extra = '-'): string {
    const cells = [secondsOf(new Date(nowMs).toISOString()), parts.rule];
    cells.push(`${parts.scope}:${parts.subject}`, parts.mode, '-');
    return this.line(cells, 'deleted (a tombstone: the key has no lockout any more)', extra);
  }

  private line(cells: readonly string[], reason: string, extra: string | undefined): string {
    const all = [...cells, ...(this.extra ? [extra ?? '-'] : []), reason];
    return `${tableLine(all, this.widths)}\n`;
  }
}

/** "2026-05-17T21:30:24Z": an ISO time to the second, as wide in every row. */
function secondsOf(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

export function describeLockout(l: LockoutCommand, nowMs: number): string {
  const evidence = Object.entries(l.evidence)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  const lines = [
    ['id', l.id],
    ['rule', l.rule],
    ['subject', `${l.scope}:${l.subject}`],
    ['mode', l.mode],
    ['severity', l.severity],
    ['reason', oneLine(l.reason)],
    ['event time', l.eventTime],
    ['issued at', l.issuedAt],
    [
      'expires at',
      `${l.expiresAt} (${expiresIn(l.expiresAt, nowMs)}; ttl ${formatDuration(l.ttlSeconds * 1000)})`,
    ],
    ['evidence', evidence || '-'],
  ];
  return lines.map(([key, value]) => `${`${key}:`.padEnd(12)}${value}`).join('\n') + '\n';
}

/** Exit codes a script can tell apart; 2 (usage) is the CLI's own. */
const EXIT = { failure: 1, auth: 3, notFound: 4 } as const;
export const ROLE_NEEDED = {
  list: 'viewer',
  show: 'viewer',
  add: 'operator',
  lift: 'operator',
} as const;
export type Action = keyof typeof ROLE_NEEDED;

/** The one-line message and exit code of a refusal, worded for the action. */
export function explain(
  error: AdminApiError,
  action: Action,
  id: string | undefined,
): { message: string; code: number } {
  const status = error.detail.status;
  switch (error.failure) {
    case 'unauthenticated':
      return {
        message: `the admin API refused the token (401${said(error)}): check EXFILGUARD_ADMIN_TOKEN (unset, mistyped, or no longer configured on the server)`,
        code: EXIT.auth,
      };
    case 'forbidden':
      return {
        message: `the token's role is too low to ${action} lockouts (403${said(error)}): ${action} needs a token with the ${ROLE_NEEDED[action]} role or higher`,
        code: EXIT.auth,
      };
    case 'not_found':
      // list has no id: a 404 there means the URL is not the admin API.
      return id === undefined
        ? {
            message: `${error.message}: is EXFILGUARD_ADMIN_URL the exfilguard admin API?`,
            code: EXIT.failure,
          }
        : {
            message: `no lockout with id "${id}" in force (404): "exfilguard lockouts list" shows the ids in force`,
            code: EXIT.notFound,
          };
    case 'invalid':
      return {
        message: `the admin API refused the request as invalid (400${said(error)})${formatIssues(error.detail.issues)}`,
        code: EXIT.failure,
      };
    case 'http':
      return {
        message: `${error.message}${status !== undefined && status >= 500 ? ' (a server error: its log says more)' : ''}`,
        code: EXIT.failure,
      };
    default:
      return { message: error.message, code: EXIT.failure };
  }
}

function said(error: AdminApiError): string {
  return error.detail.serverMessage ? `: ${oneLine(error.detail.serverMessage)}` : '';
}

/** The server's issues, however shaped, on the same line: zod-like `path: message` when it can. */
function formatIssues(issues: unknown): string {
  if (!Array.isArray(issues) || issues.length === 0) return '';
  const parts = issues.map((issue: unknown) => {
    if (typeof issue === 'string') return issue;
    if (typeof issue === 'object' && issue !== null && 'message' in issue) {
      const { path, message } = issue as { path?: unknown; message: unknown };
      const where = Array.isArray(path) && path.length > 0 ? `${path.join('.')}: ` : '';
      return `${where}${String(message)}`;
    }
    return JSON.stringify(issue);
  });
  return `; ${oneLine(parts.join('; '))}`;
}
