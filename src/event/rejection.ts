// Bad input is a value, never an exception: every parser in this folder returns a
// ParseOutcome, and a rejection carries a stable code (for metrics and the dead-letter
// topic) plus one human sentence that names the field. The caller adds the position
// ("line 8812: …"); the message never repeats the whole input, only a short preview.
import type { AccessEvent } from './access-event.js';

/**
 * The stable rejection codes. None is retriable: the same bytes fail the same way every
 * time, so a rejected record goes to the dead-letter topic and processing goes on.
 */
export const EVENT_REJECTION_CODES = {
  EVENT_EMPTY: 'the record is empty or only whitespace',
  EVENT_TOO_LARGE: 'the record is larger than the parser accepts; not parsed at all',
  EVENT_NOT_JSON:
    'format json was asked for, or the record starts with "{", and it is not a JSON object ' +
    '(or it is a JSON array: batches are not accepted)',
  EVENT_UNKNOWN_FORMAT: 'a JSON object that is neither a canonical event nor an ECS event',
  EVENT_INVALID_LINE: 'a log line whose structure is not the combined or common log format',
  EVENT_INVALID_FIELD: 'the format was recognised and one field is missing or invalid',
  EVENT_TOO_LATE:
    "valid, but further behind its partition's newest event than EXFILGUARD_MAX_LATENESS: " +
    'not judged live (run only)',
  EVENT_PARSER_FAILED: 'the parser itself threw (a bug); the input is kept in the dead letter',
} as const;

export type EventRejectionCode = keyof typeof EVENT_REJECTION_CODES;

export interface EventRejection {
  readonly code: EventRejectionCode;
  /** The field at fault, in the input's own naming (`status`, `http.response.status_code`). */
  readonly field?: string;
  /** `status: expected integer, got "OK"`: the field, then the problem. */
  readonly message: string;
}

export type ParseOutcome =
  | { readonly ok: true; readonly event: AccessEvent }
  | { readonly ok: false; readonly error: EventRejection };

export function accept(event: AccessEvent): ParseOutcome {
  return { ok: true, event };
}

export function reject(code: EventRejectionCode, message: string): ParseOutcome {
  return { ok: false, error: { code, message } };
}

/** A field-level rejection; the message is prefixed with the field name. */
export function rejectField(field: string, problem: string): ParseOutcome {
  return {
    ok: false,
    error: { code: 'EVENT_INVALID_FIELD', field, message: `${field}: ${problem}` },
  };
}

const PREVIEW_CHARS = 40;

/**
 * A short, JSON-quoted rendering of an offending value for messages: bounded so a
 * 60 KiB hostile field does not become a 60 KiB dead-letter reason.
 */
export function preview(value: unknown): string {
  if (typeof value === 'string') {
    const head = value.length > PREVIEW_CHARS ? `${value.slice(0, PREVIEW_CHARS)}…` : value;
    return JSON.stringify(head);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
