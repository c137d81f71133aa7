// Contract 2: the records of the lockouts topic, which gateways act on. The JSON
// Schema in schemas/ is generated from these zod schemas.
//
// The topic is compacted: after compaction only the latest record per Kafka key is
// left, so the key decides what a reader of the compacted topic can know. One attack
// often yields several lockouts of one subject (`sequential-id-scan` 1 h, then
// `slow-id-scan` 6 h), and a rule in shadow mode may fire after one in enforce mode.
// Under a key of `scope:subject` the latest would hide the others: a shadow record
// over an enforce one, a short lockout over a long one. So the key is one per rule
// and mode — `rule/mode/scope:subject` — and what is in force for a subject is every
// `lockout` record of its keys that is not yet expired: a later lockout of the same
// rule and mode replaces the earlier (escalation lengthens it), a `release` record on
// the same key, or a tombstone (a record with no value), ends it.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MODES, SCOPES, SEVERITIES, type Mode, type Scope } from '../vocabulary/scope.js';

/** The contract's version: 2 since keys are per rule and mode and `release` has its own shape. */
export const LOCKOUT_CONTRACT_VERSION = 2;

/** The Kafka header that carries a lockout's `id` on the lockouts topic, to drop duplicates unparsed. */
export const LOCKOUT_ID_HEADER = 'exfilguard.lockout.id';

const identity = {
  version: z.literal(LOCKOUT_CONTRACT_VERSION),
  scope: z.enum(SCOPES),
  subject: z
    .string()
    .min(1)
    .describe(
      'The IP (an IPv6 client: its network prefix, e.g. 2001:db8:1:2::/64), session or user',
    ),
  rule: z.string().min(1).describe('Id of the rule that fired, or "manual"'),
  mode: z.enum(MODES).describe('shadow: observe only, gateways never refuse on it'),
};

export const lockoutCommandSchema = z
  .object({
    type: z.literal('lockout'),
    ...identity,
    id: z
      .string()
      .describe('Stable id of this decision: the same episode re-processed yields the same id'),
    severity: z.enum(SEVERITIES),
    reason: z.string().describe('One human sentence'),
    evidence: z
      .record(z.string(), z.union([z.number(), z.string()]))
      .describe("The rule's figures"),
    eventTime: z.iso.datetime().describe('Time of the event that triggered the decision'),
    issuedAt: z.iso.datetime().describe('Wall-clock time of publication'),
    expiresAt: z.iso
      .datetime()
      .describe('The lockout lapses at this time; nothing is published then'),
    ttlSeconds: z.number().int().positive(),
  })
  .strict();

export const releaseCommandSchema = z
  .object({
    type: z.literal('release'),
    ...identity,
    id: z.string().min(1).describe('Id of this release (not of the lockout it ends)'),
    releases: z
      .string()
      .optional()
      .describe('Id of the lockout it ends, when the releaser knew it'),
    reason: z.string().describe('Why it was lifted, in the words of who lifted it'),
    releasedBy: z.string().min(1).describe('Who lifted it: an operator token name, or a service'),
    ticket: z.string().optional().describe('A reference in the operator’s ticket system'),
    issuedAt: z.iso.datetime().describe('Wall-clock time of publication'),
  })
  .strict();

/** Any value on the lockouts topic. A record with no value (a tombstone) ends its key too. */
export const lockoutRecordSchema = z.discriminatedUnion('type', [
  lockoutCommandSchema,
  releaseCommandSchema,
]);

export type LockoutCommand = z.infer<typeof lockoutCommandSchema>;
export type ReleaseCommand = z.infer<typeof releaseCommandSchema>;
export type LockoutRecord = z.infer<typeof lockoutRecordSchema>;

/** What a key names: one rule's lockouts, in one mode, of one subject. */
export interface LockoutKeyParts {
  readonly scope: Scope;
  readonly subject: string;
  readonly rule: string;
  readonly mode: Mode;
}

/**
 * Kafka key of a record: `rule/mode/scope:subject`, e.g.
 * `sequential-id-scan/enforce/ip:203.0.113.7`. Rule ids hold no `/` and modes are
 * fixed words, so the key reads back unambiguously (parseLockoutKey), also when the
 * subject holds `/` or `:` (an IPv6 prefix, a user name).
 */
export function lockoutKey(parts: LockoutKeyParts): string {
  return `${parts.rule}/${parts.mode}/${parts.scope}:${parts.subject}`;
}

/** The parts of a key, or undefined when it is not one of ours (a tombstone reader needs them). */
export function parseLockoutKey(key: string): LockoutKeyParts | undefined {
  const ruleEnd = key.indexOf('/');
  const modeEnd = ruleEnd < 0 ? -1 : key.indexOf('/', ruleEnd + 1);
  if (ruleEnd <= 0 || modeEnd < 0) return undefined;
  const mode = key.slice(ruleEnd + 1, modeEnd);
  const rest = key.slice(modeEnd + 1);
  const scopeEnd = rest.indexOf(':');
  const scope = rest.slice(0, scopeEnd);
  const subject = rest.slice(scopeEnd + 1);
  if (!isMode(mode) || !isScope(scope) || scopeEnd < 0 || subject.length === 0) return undefined;
  return { rule: key.slice(0, ruleEnd), mode, scope, subject };
}

function isMode(text: string): text is Mode {
  return (MODES as readonly string[]).includes(text);
}

function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
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

/**
 * The release of one lockout: same key, so compaction keeps the release instead of
 * the lockout. The operator-control commands publish these; tests and scripts may too.
 */
export function releaseCommand(
  lockout: LockoutKeyParts & { readonly id?: string },
  by: { readonly releasedBy: string; readonly reason: string; readonly ticket?: string },
  issuedAtMs: number,
): ReleaseCommand {
  const { scope, subject, rule, mode } = lockout;
  const text = `release\n${lockoutKey(lockout)}\n${lockout.id ?? ''}\n${issuedAtMs}\n${by.releasedBy}`;
  return {
    type: 'release',
    version: LOCKOUT_CONTRACT_VERSION,
    id: createHash('sha256').update(text).digest('hex').slice(0, 32),
    scope,
    subject,
    rule,
    mode,
    ...(lockout.id !== undefined && { releases: lockout.id }),
    reason: by.reason,
    releasedBy: by.releasedBy,
    ...(by.ticket !== undefined && { ticket: by.ticket }),
    issuedAt: new Date(issuedAtMs).toISOString(),
  };
}
