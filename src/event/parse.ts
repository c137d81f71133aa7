// The parsing stage: one raw record (a Kafka message value or one line of a file) →
// AccessEvent, or a rejection value for the dead-letter topic. Nothing here throws or
// rejects a promise: bad input is data, and one hostile record must not stop a batch.
import { Buffer } from 'node:buffer';
import { parseCanonical } from './canonical.js';
import { parseCombined } from './combined.js';
import { looksLikeEcs, parseEcs } from './ecs.js';
import { MAX_RAW_BYTES } from './fields.js';
import { MAX_JSON_DEPTH, jsonDepthWithin } from './json-depth.js';
import { reject, type ParseOutcome } from './rejection.js';

/** `auto` decides per record: JSON if it starts with `{`, otherwise a combined log line. */
export type EventFormat = 'auto' | 'json' | 'combined';

const CANONICAL_KEYS = ['ts', 'ip', 'method', 'path', 'status'] as const;

/**
 * Parses one record. Buffers are decoded as UTF-8 with invalid sequences replaced by
 * U+FFFD (the record is still judged on its fields, and the dead letter keeps the
 * original bytes). Never throws: every failure is `{ ok: false, error }`.
 */
export function parseEvent(raw: string | Uint8Array, format: EventFormat): ParseOutcome {
  try {
    return parseRecord(raw, format);
  } catch (error) {
    // Unreachable by design (the property tests feed hostile input to prove it); kept
    // so that a bug in this folder costs one dead letter, not a crashed consumer.
    return reject('EVENT_PARSER_FAILED', `parser failed: ${String(error).slice(0, 200)}`);
  }
}

function parseRecord(raw: string | Uint8Array, format: EventFormat): ParseOutcome {
  const tooLarge = sizeProblem(raw);
  if (tooLarge !== undefined) return reject('EVENT_TOO_LARGE', tooLarge);
  const text = typeof raw === 'string' ? raw : decodeUtf8(raw);
  const start = contentStart(text);
  if (start === text.length) return reject('EVENT_EMPTY', 'empty record');
  if (format === 'combined') return parseCombined(text, start);
  const first = text.charCodeAt(start);
  if (format === 'json' || first === 0x7b /* { */) {
    // JSON.parse skips blanks itself but not a byte-order mark.
    return parseJson(start === 0 ? text : text.slice(start));
  }
  // A combined line starts with the client address, never `[`: a JSON array it is, or
  // neither (`[error] …`, then the combined parser says why).
  if (first === 0x5b /* [ */ && isJsonArray(text.slice(start))) return batchRejection();
  return parseCombined(text, start);
}

function isJsonArray(text: string): boolean {
  if (!jsonDepthWithin(text)) return false;
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

function batchRejection(): ParseOutcome {
  return reject(
    'EVENT_NOT_JSON',
    'a JSON array: batches are not accepted; send one event (a JSON object) per Kafka ' +
      'message or per line',
  );
}

const SIZE_LIMIT_TEXT = `over the limit of ${MAX_RAW_BYTES} bytes`;

/** Checked before decoding or parsing, so an oversized record costs nothing more. */
function sizeProblem(raw: string | Uint8Array): string | undefined {
  const limit = SIZE_LIMIT_TEXT;
  if (typeof raw !== 'string') {
    return raw.byteLength > MAX_RAW_BYTES
      ? `record of ${raw.byteLength} bytes, ${limit}`
      : undefined;
  }
  // UTF-8 needs 1 to 3 bytes per UTF-16 unit: measure only when the length can't decide.
  if (raw.length > MAX_RAW_BYTES) return `record of ${raw.length} characters, ${limit}`;
  if (raw.length * 3 <= MAX_RAW_BYTES) return undefined;
  const bytes = Buffer.byteLength(raw, 'utf8');
  return bytes > MAX_RAW_BYTES ? `record of ${bytes} bytes, ${limit}` : undefined;
}

function decodeUtf8(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString('utf8');
}

/** Index of the first character that is not whitespace or a byte-order mark. */
export function contentStart(text: string): number {
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xfeff) break;
    i++;
  }
  return i;
}

function parseJson(text: string): ParseOutcome {
  if (!jsonDepthWithin(text)) {
    return reject('EVENT_NOT_JSON', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return reject('EVENT_NOT_JSON', `not valid JSON: ${reason.slice(0, 200)}`);
  }
  if (Array.isArray(doc)) return batchRejection();
  if (typeof doc !== 'object' || doc === null) {
    const got = doc === null ? 'null' : typeof doc;
    return reject('EVENT_NOT_JSON', `expected a JSON object, got ${got}`);
  }
  const record = doc as Readonly<Record<string, unknown>>;
  if (hasAnyOwnKey(record, CANONICAL_KEYS)) return parseCanonical(record);
  if (looksLikeEcs(record)) return parseEcs(record);
  return reject(
    'EVENT_UNKNOWN_FORMAT',
    'a JSON object with neither canonical fields (ts, ip, method, path, status) ' +
      'nor ECS fields (@timestamp, source.ip, http.*, url.*)',
  );
}

function hasAnyOwnKey(record: object, keys: readonly string[]): boolean {
  for (const key of keys) if (Object.hasOwn(record, key)) return true;
  return false;
}
