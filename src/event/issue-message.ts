// zod issues → one EventRejection whose message names the field and the problem in
// plain words (`status: expected integer, got "OK"`). Messages are built here from the
// issue and the offending value rather than through a per-parse zod error map: passing
// parse options takes zod 4 off its compiled fast path (measured 0.7 → 1.9 µs/event).
import type { z } from 'zod';
import { preview, type EventRejection, type ParseOutcome } from './rejection.js';

type Issue = z.core.$ZodIssue;

/** Every number in the canonical schema but `ts` (a union, described apart) is an integer. */
const TYPE_NAMES: Readonly<Record<string, string>> = { int: 'integer', number: 'integer' };

function describeIssue(issue: Issue, value: unknown): string {
  if (value === undefined) return 'required field is missing';
  const got = preview(value);
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${got}`;
    case 'invalid_union': // `ts` is the schema's only union
      return `expected ISO-8601 time with timezone or epoch milliseconds, got ${got}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `longer than ${String(issue.maximum)} characters, got ${got}`
        : `must be at most ${String(issue.maximum)}, got ${got}`;
    case 'too_small':
      if (issue.origin !== 'string') return `must be at least ${String(issue.minimum)}, got ${got}`;
      return issue.minimum === 1
        ? 'must not be empty (omit the field when there is no value)'
        : `shorter than ${String(issue.minimum)} characters, got ${got}`;
    default:
      // Custom issues come from this folder's refinements, worded as a problem.
      return `${issue.message}, got ${got}`;
  }
}

function ownValue(input: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(input, key) ? input[key] : undefined;
}

/**
 * The first issue becomes the message; other fields at fault are listed after it, so a
 * producer with several mistakes learns of all of them from one dead letter.
 * `nameField` maps a canonical field to the input's own name (ECS paths).
 */
export function rejectionFromIssues(
  issues: readonly Issue[],
  input: Readonly<Record<string, unknown>>,
  nameField: (canonicalField: string) => string,
): ParseOutcome {
  const first = issues[0];
  const key = String(first?.path[0] ?? '');
  const field = nameField(key);
  const problem = first ? describeIssue(first, ownValue(input, key)) : 'invalid';
  const others = new Set<string>();
  for (const issue of issues) {
    const other = nameField(String(issue.path[0] ?? ''));
    if (other !== field) others.add(other);
  }
  const also = others.size > 0 ? ` (also invalid: ${[...others].join(', ')})` : '';
  const error: EventRejection = {
    code: 'EVENT_INVALID_FIELD',
    field,
    message: `${field}: ${problem}${also}`,
  };
  return { ok: false, error };
}
