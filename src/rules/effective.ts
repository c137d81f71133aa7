// A loaded rule as an operator reads it: durations and sizes written as rule files
// write them ("10m", "20MB", not milliseconds and bytes), and flattened to dotted
// fields (`detect.threshold`) for a reload's log of what changed. Shared by
// `rules show` and that log, so both name a field and its value the same way.
import { formatDuration, formatSize } from '../vocabulary/units.js';
import type { SourcedAllowlist } from './load.js';
import type { Rule } from './schema.js';

/** The fields of a rule loaded as milliseconds. */
const DURATION_FIELDS = new Set([
  'window',
  'action.ttl',
  'action.escalation.maxTtl',
  'action.escalation.forgetAfter',
]);
/** The fields of a rule loaded as bytes. */
const SIZE_FIELDS = new Set(['detect.bytes']);
/** The detect fields that say when a rule fires (the others shape what is counted). */
const FIRE_FIELDS = ['threshold', 'bytes', 'records', 'ratio', 'minRequests'] as const;

/** What a rule set holds that decides: the rules and the allowlists, with their files. */
export interface RuleSetContents {
  readonly rules: readonly Rule[];
  readonly allowlists: readonly SourcedAllowlist[];
}

/** A field's value as a rule file would write it. */
export function writtenValue(field: string, value: unknown): unknown {
  if (typeof value !== 'number') return value;
  if (DURATION_FIELDS.has(field)) return formatDuration(value);
  if (SIZE_FIELDS.has(field)) return formatSize(value);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The rule (without `kind`) as a rule file would write it, what it counts before how. */
export function writtenRule(rule: Rule): Record<string, unknown> {
  const { kind: _kind, id, description, mode, key, window, match, detect, action, ...rest } = rule;
  return written({ id, description, mode, key, window, ...rest, match, detect, action }, '');
}

function written(value: Record<string, unknown>, prefix: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      isPlainObject(inner)
        ? written(inner, `${prefix}${key}.`)
        : writtenValue(`${prefix}${key}`, inner),
    ]),
  );
}

/** Dotted field → value as written; a list is one value. */
export function ruleFields(rule: Rule): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  const walk = (value: Record<string, unknown>, prefix: string) => {
    for (const [key, inner] of Object.entries(value)) {
      if (isPlainObject(inner)) walk(inner, `${prefix}${key}.`);
      else fields.set(`${prefix}${key}`, inner);
    }
  };
  walk(writtenRule(rule), '');
  return fields;
}

/** `window 10m, threshold 50`: when a rule fires, for one-line listings. */
export function fireSummary(rule: Rule): string {
  const detect = rule.detect as Record<string, unknown>;
  const figures = FIRE_FIELDS.filter((field) => detect[field] !== undefined).map(
    (field) => `${field} ${String(writtenValue(`detect.${field}`, detect[field]))}`,
  );
  return [`window ${formatDuration(rule.window)}`, ...figures].join(', ');
}
