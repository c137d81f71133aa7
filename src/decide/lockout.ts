// Contract 2: the lockout command gateways act on (topic `lockouts`, key
// `scope:subject`). The JSON Schema in schemas/ is generated from this zod schema.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MODES, SCOPES, SEVERITIES } from '../vocabulary/scope.js';

export const lockoutCommandSchema = z
  .object({
    type: z.enum(['lockout', 'release']),
    version: z.literal(1),
    id: z
      .string()
      .describe('Stable id of this decision: the same episode re-processed yields the same id'),
    scope: z.enum(SCOPES),
    subject: z.string().describe('The IP (an IPv6 client: its network prefix), session id or user'),
    rule: z.string().describe('Id of the rule that fired, or "manual"'),
    severity: z.enum(SEVERITIES),
    mode: z.enum(MODES).describe('shadow: observe only, gateways ignore it'),
    reason: z.string().describe('One human sentence'),
    evidence: z
      .record(z.string(), z.union([z.number(), z.string()]))
      .describe("The rule's figures"),
    eventTime: z.iso.datetime().describe('Time of the event that triggered the decision'),
    issuedAt: z.iso.datetime().describe('Wall-clock time of publication'),
    expiresAt: z.iso.datetime(),
    ttlSeconds: z.number().int().positive(),
  })
  .strict();

export type LockoutCommand = z.infer<typeof lockoutCommandSchema>;

/** Kafka key of a command: `scope:subject`, so compaction keeps each actor's latest. */
export function lockoutKey(command: Pick<LockoutCommand, 'scope' | 'subject'>): string {
  return `${command.scope}:${command.subject}`;
}

/**
 * The decision's id: a hash of what identifies the episode (rule, actor, the
 * triggering event's time, the offence number), so reprocessing the same events
 * yields the same id and gateways can drop duplicates.
 */
export function lockoutId(parts: {
  rule: string;
  scope: string;
  subject: string;
  eventTime: number;
  offence: number;
}): string {
  const text = `${parts.rule}\n${parts.scope}\n${parts.subject}\n${parts.eventTime}\n${parts.offence}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
