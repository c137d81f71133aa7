// The kinds of value an EXFILGUARD_* variable holds (lists, booleans, durations, topic
// names, admin tokens), each parsed from the variable's text with a message that says
// what it expects.
import { z } from 'zod';
import { parseDuration } from '../vocabulary/units.js';
import { parseCidr } from '../normalize/index.js';
import type { AdminRole, AdminToken } from '../admin/index.js';

/** `a,b,c`: items trimmed, empty ones dropped. */
export const list = z.string().transform((text) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => ['true', '1', 'yes'].includes(v));

export const port = z.coerce.number().int().min(0).max(65535);

/** `500ms`, `5s`, `1m` (a bare number is seconds), kept in milliseconds. */
export const durationMs = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like "500ms", "5s" or "1m", got "${text}"`,
    });
    return z.NEVER;
  }
  return ms;
});

/** A header or cookie name (RFC 9110 token characters). */
export const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'a header or cookie name, e.g. "X-User"');

export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

export const topicName = z
  .string()
  .min(1)
  .max(249)
  .refine((name) => /^[a-zA-Z0-9._-]+$/.test(name), {
    message: 'letters, digits, ".", "_" and "-" only',
  });

/** The topics' names when EXFILGUARD_INPUT_TOPIC, _LOCKOUT_TOPIC, _DEAD_LETTER_TOPIC are unset. */
export const TOPIC_DEFAULTS = {
  input: 'access-logs',
  lockouts: 'lockouts',
  deadLetters: 'access-logs.dlq',
  audit: 'exfilguard.audit',
} as const;

const ADMIN_TOKEN = /^([A-Za-z0-9._-]{1,64}):(viewer|operator|admin):([0-9a-f]{64})$/;

/** `name:role:sha256-hex,…`: the admin API's tokens, as their hashes. */
export const adminTokens = list.transform((entries, ctx) => {
  const tokens: AdminToken[] = [];
  const names = new Set<string>();
  entries.forEach((entry, i) => {
    const match = ADMIN_TOKEN.exec(entry);
    if (!match) {
      // The entry is not echoed: a token pasted in clear by mistake must not reach the log.
      ctx.addIssue({
        code: 'custom',
        message:
          `entry ${i + 1} is not name:role:sha256-hex (role viewer, operator or admin; the hex ` +
          'SHA-256 of the token, e.g. "alice:operator:$(printf %s "$TOKEN" | sha256sum | cut -c1-64)")',
      });
      return;
    }
    const [, name, role, hash] = match as unknown as [string, string, AdminRole, string];
    if (names.has(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `the name "${name}" is used twice: names are the audit trail's "who"`,
      });
    }
    names.add(name);
    tokens.push({ name, role, hash });
  });
  return tokens;
});
