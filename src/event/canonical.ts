// Contract 1 (../shared/DESIGN.md): the canonical flat JSON event, as a zod schema.
// This schema is the one validator for every JSON input (ECS is mapped onto it), and
// the contract's JSON Schema is generated from it with `z.toJSONSchema(schema, { io:
// 'input' })`. Unknown fields are stripped: producers may add fields, none is copied.
import { z } from 'zod';
import type { AccessEvent } from './access-event.js';
import {
  MAX_IDENTIFIER_CHARS,
  MAX_USER_AGENT_CHARS,
  isHttpMethod,
  isIpAddress,
  requestPath,
  truncate,
  upperCaseMethod,
} from './fields.js';
import { rejectionFromIssues } from './issue-message.js';
import { accept, type ParseOutcome } from './rejection.js';
import { isEventTimeInRange } from './calendar.js';
import { parseIsoTime } from './time.js';

/** Epoch ms from either accepted form; NaN if the text is not ISO-8601 with a timezone. */
function toEpochMs(value: number | string): number {
  return typeof value === 'number' ? Math.floor(value) : parseIsoTime(value);
}

// Conversions are `.overwrite()` checks, not `.transform()`: a transform costs ~250 ns
// per field in zod 4 (measured), an overwrite almost nothing. The output keeps the input
// type in zod's eyes, so `ts` is narrowed to a number in validateEventFields.
const eventTime = z
  .union([z.number(), z.string().max(64)])
  .overwrite(toEpochMs)
  .refine((ms) => !Number.isNaN(ms), { error: 'expected ISO-8601 time with timezone', abort: true })
  .refine((ms) => isEventTimeInRange(ms as number), 'time out of range (years 1970 to 2200)');

const identifier = z.string().min(1).max(MAX_IDENTIFIER_CHARS);
const count = z.int().min(0);

export const canonicalEventSchema = z.object({
  ts: eventTime.describe('event time: ISO-8601 with timezone, or epoch milliseconds'),
  ip: z.string().refine(isIpAddress, 'expected an IPv4 or IPv6 address').describe('client IP'),
  method: z
    .string()
    .refine(isHttpMethod, 'expected an HTTP method (1 to 32 token characters)')
    .overwrite(upperCaseMethod)
    .describe('HTTP method; upper-cased, so "get" matches rules naming GET'),
  path: z
    .string()
    .refine((path) => requestPath(path) !== undefined, 'expected a path starting with "/"')
    .overwrite((path) => requestPath(path) ?? path)
    .describe('path with optional query string; truncated to 8192 characters'),
  status: z.int().min(100).max(599).describe('response status'),
  bytes: count.default(0).describe('response body size'),
  session: identifier.optional().describe('session id or a hash of the token'),
  user: identifier.optional().describe('authenticated principal'),
  userAgent: z
    .string()
    .overwrite((ua) => truncate(ua, MAX_USER_AGENT_CHARS))
    .optional()
    .describe('truncated to 1024 characters'),
  records: count.optional().describe('rows returned, where the service knows'),
  id: identifier.optional().describe("the producer's event id"),
});

export type CanonicalEventInput = z.input<typeof canonicalEventSchema>;

/** Validates a flat object whose fields are named as in the canonical event. */
export function parseCanonical(input: Readonly<Record<string, unknown>>): ParseOutcome {
  return validateEventFields(input, canonicalName);
}

function canonicalName(field: string): string {
  return field;
}

/**
 * Validates canonical-shaped fields gathered from any JSON format; `nameField` turns a
 * canonical field name back into the input's own name for the rejection message.
 */
export function validateEventFields(
  fields: Readonly<Record<string, unknown>>,
  nameField: (canonicalField: string) => string,
): ParseOutcome {
  const event = validEvent(fields);
  if (event !== undefined) return accept(event);
  const result = canonicalEventSchema.safeParse(fields);
  if (!result.success) return rejectionFromIssues(result.error.issues, fields, nameField);
  // eventTime's overwrite has already replaced a text `ts` by epoch ms; zod's output
  // type cannot know that, and copying the object to narrow it would cost an allocation.
  return accept(result.data as AccessEvent);
}

/**
 * The schema's output for fields it accepts, checked by hand; undefined when a field
 * is missing, wrong or unusual (then the schema itself decides, and words the
 * rejection). The hot path of every valid event: the schema costs ~3 µs and ~2 KB of
 * garbage per event (a fifth of a replay's allocations), these checks a tenth of it.
 * Never more lenient than the schema: canonical-fast.property.test.ts holds every
 * event accepted here to the schema's own output, key order included.
 */
export function validEvent(fields: Readonly<Record<string, unknown>>): AccessEvent | undefined {
  const { ts, ip, method, path, status } = fields;
  let ms: number;
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) return undefined;
    ms = Math.floor(ts);
  } else if (typeof ts === 'string' && ts.length <= 64) {
    ms = parseIsoTime(ts);
  } else {
    return undefined;
  }
  if (!isEventTimeInRange(ms)) return undefined; // NaN too
  if (typeof ip !== 'string' || !isIpAddress(ip)) return undefined;
  if (typeof method !== 'string' || !isHttpMethod(method)) return undefined;
  const target = typeof path === 'string' ? requestPath(path) : undefined;
  if (target === undefined) return undefined;
  if (!isCount(status) || status < 100 || status > 599) return undefined;
  const { bytes = 0, session, user, userAgent, records, id } = fields;
  if (!isCount(bytes)) return undefined;
  // Present but undefined (a mapped format's gap): the schema keeps the key; so rare
  // that it is left to the schema.
  if (!optional(fields, 'session', session, isIdentifier)) return undefined;
  if (!optional(fields, 'user', user, isIdentifier)) return undefined;
  if (!optional(fields, 'userAgent', userAgent, isString)) return undefined;
  if (!optional(fields, 'records', records, isCount)) return undefined;
  if (!optional(fields, 'id', id, isIdentifier)) return undefined;
  // The schema's key order (its output's JSON is compared in the test).
  const event: Record<string, unknown> = {
    ts: ms,
    ip,
    method: upperCaseMethod(method),
    path: target,
    status,
    bytes,
  };
  if (session !== undefined) event.session = session;
  if (user !== undefined) event.user = user;
  if (userAgent !== undefined)
    event.userAgent = truncate(userAgent as string, MAX_USER_AGENT_CHARS);
  if (records !== undefined) event.records = records;
  if (id !== undefined) event.id = id;
  return event as unknown as AccessEvent;
}

/** A whole number of zero or more, as `z.int().min(0)` takes it (a safe integer). */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isIdentifier(value: unknown): boolean {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_IDENTIFIER_CHARS;
}

function isString(value: unknown): boolean {
  return typeof value === 'string';
}

/** Absent, or present with a value that passes `check`. */
function optional(
  fields: Readonly<Record<string, unknown>>,
  key: string,
  value: unknown,
  check: (value: unknown) => boolean,
): boolean {
  return value === undefined ? !(key in fields) : check(value);
}
