// The options every command that reads access logs shares (replay, rules suggest,
// report): how records are read, and how far out of order they may come.
import type { EventFormat } from '../event/index.js';
import { parseDuration } from '../vocabulary/units.js';
import { UsageError } from './io.js';

/**
 * The parseArgs options of a command that replays logs through rule files (replay,
 * rules suggest): the rule folders, whether the shipped rules come too, `--format` and
 * `--reorder` (read with eventFormatOption and reorderOption).
 */
export const RULES_AND_LOG_OPTIONS = {
  rules: { type: 'string', multiple: true, default: [] as string[] },
  'no-shipped-rules': { type: 'boolean', default: false },
  format: { type: 'string', default: 'auto' },
  reorder: { type: 'string', default: '2m' },
} as const;

const EVENT_FORMATS: readonly EventFormat[] = ['auto', 'json', 'combined'];

/** `--format`: auto, json or combined. */
export function eventFormatOption(text: string): EventFormat {
  const format = text as EventFormat;
  if (!EVENT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${EVENT_FORMATS.join(', ')}, got "${text}"`);
  return format;
}

/** `--reorder`: a duration, in milliseconds. */
export function reorderOption(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--reorder takes a duration like "2m", got "${text}"`);
  return ms;
}
