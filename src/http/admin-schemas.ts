// The admin API's request and response bodies as zod schemas: the routes validate with
// them and the OpenAPI document (admin-openapi.ts) is generated from them.
import { z } from 'zod';
import { auditRecordSchema } from '../admin/index.js';
import { lockoutCommandSchema, releaseCommandSchema } from '../decide/lockout.js';
import { parseDuration } from '../vocabulary/units.js';
import { MODES, SCOPES } from '../vocabulary/scope.js';

export const MANUAL_RULE = 'manual';
export const MAX_TTL_MS = 365 * 86_400_000;

/** A duration as text, "30m", "6h", "7d", within [minMs, maxMs]. */
function duration(minMs: number, maxMs: number) {
  return z
    .string()
    .max(32)
    .refine(
      (text) => {
        const ms = parseDuration(text);
        return ms !== undefined && ms >= minMs && ms <= maxMs;
      },
      { message: `a duration like "30m", "6h" or "7d", from ${minMs / 1000} s to 365 d` },
    )
    .describe('A duration: a number and a unit (ms, s, m, h, d), e.g. "30m"');
}

export const listQuerySchema = z
  .object({
    scope: z.enum(SCOPES).optional(),
    rule: z.string().min(1).max(128).optional(),
    mode: z.enum(MODES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

export const auditQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

export const addLockoutSchema = z
  .object({
    scope: z.enum(SCOPES),
    subject: z.string().min(1).max(512).describe('The IP, session or user to lock out'),
    ttl: duration(1000, MAX_TTL_MS),
    reason: z.string().min(1).max(500),
    mode: z.enum(MODES).default('enforce'),
    ticket: z.string().min(1).max(200).optional(),
  })
  .strict();

export const liftSchema = z
  .object({
    reason: z.string().min(1).max(500),
    ticket: z.string().min(1).max(200).optional(),
    rule: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe("Only this rule's lockouts of the subject; unset: every lockout of the subject"),
    grace: duration(0, MAX_TTL_MS)
      .optional()
      .describe("No re-lock by the lifted rules for this long; default: the rule's window"),
  })
  .strict();

export const lockoutPageSchema = z.object({
  items: z.array(lockoutCommandSchema),
  nextCursor: z.string().optional(),
});
export const auditPageSchema = z.object({
  items: z.array(auditRecordSchema),
  nextCursor: z.string().optional(),
});
export const liftResultSchema = z.object({ released: z.array(releaseCommandSchema) });
export const errorSchema = z.object({
  error: z.enum(['unauthenticated', 'forbidden', 'invalid', 'not_found', 'error']),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
