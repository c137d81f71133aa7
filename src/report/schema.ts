// The breach-scope report as JSON: what one actor got, from retained logs. Its JSON
// Schema (schemas/report.schema.json) is generated from this zod schema (`npm run
// schemas`), never written twice. Every list is sorted, so the same events give the
// same bytes whatever order they were read in (a file, or a topic's partitions).
import { z } from 'zod';
import { MODES, SCOPES } from '../vocabulary/scope.js';

export const REPORT_VERSION = 1;

const isoTime = z.iso.datetime();

const request = z
  .object({
    time: isoTime,
    method: z.string(),
    route: z.string().describe('Route template as the detector reads it, e.g. /api/users/:id'),
    status: z.number().int(),
  })
  .strict();

const linked = z
  .object({
    value: z
      .string()
      .describe('An address, session or user seen on the same request as the subject'),
    requests: z.number().int().nonnegative(),
    first: isoTime,
    last: isoTime,
  })
  .strict();

const idRange = z
  .object({
    first: z.string(),
    last: z.string(),
    count: z.number().int().positive(),
  })
  .strict()
  .describe('Consecutive ids served, first to last (first = last for a lone id)');

const routeScope = z
  .object({
    route: z.string(),
    requests: z.number().int().nonnegative(),
    succeeded: z.number().int().nonnegative().describe('Requests answered 2xx'),
    bytes: z.number().int().nonnegative().describe('Response bytes of the 2xx answers'),
    recordsReported: z
      .number()
      .int()
      .nonnegative()
      .describe('Sum of the events’ `records` field over the 2xx answers (exports), 0 when absent'),
    distinctIds: z.number().int().nonnegative().describe('Distinct object ids served with a 2xx'),
    ids: z.array(idRange),
  })
  .strict();

const lockout = z
  .object({
    id: z.string(),
    source: z
      .enum(['lockouts-topic', 'audit-topic', 'command-line'])
      .describe(
        'Where the lockout was found: its record on the lockouts topic, the admin audit trail (a manual lockout whose record is gone), or --locked-at',
      ),
    scope: z.enum(SCOPES),
    subject: z.string(),
    rule: z.string().optional(),
    mode: z.enum(MODES).optional(),
    reason: z.string().optional(),
    lockedAt: isoTime.describe('Event time of the decision (detector) or time of the add (audit)'),
    expiresAt: isoTime.optional(),
  })
  .strict();

const enforcementGap = z
  .object({
    from: isoTime,
    until: isoTime.optional(),
    requests: z.number().int().nonnegative(),
    succeeded: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    distinctIds: z.number().int().nonnegative(),
    firstSucceeded: isoTime.optional(),
    lastSucceeded: isoTime.optional(),
    byGateway: z
      .null()
      .describe('Access events (contract 1) name no gateway, so the gap cannot be split by one'),
  })
  .strict()
  .describe('Requests of the subject at or after the lockout (and before its expiry)');

const notice = z
  .object({
    distinctRecords: z
      .number()
      .int()
      .nonnegative()
      .describe(
        'Sum over routes of distinct ids served, or of reported records where a route has no ids',
      ),
    recordsByRoute: z.array(
      z.object({ route: z.string(), records: z.number().int().nonnegative() }).strict(),
    ),
    firstSuccess: isoTime.optional(),
    lastSuccess: isoTime.optional(),
    spanSeconds: z.number().nonnegative(),
    bytes: z.number().int().nonnegative(),
    text: z.array(z.string()).describe('The summary in the terms of a GDPR art. 33(3) notice'),
  })
  .strict();

export const reportSchema = z
  .object({
    version: z.literal(REPORT_VERSION),
    scope: z.enum(SCOPES),
    subject: z.string(),
    period: z
      .object({ from: isoTime.optional(), to: isoTime.optional() })
      .strict()
      .describe('Event times read: from inclusive, to exclusive; absent means unbounded'),
    requests: z.number().int().nonnegative(),
    succeeded: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    firstRequest: request.optional(),
    lastRequest: request.optional(),
    linked: z
      .object({
        addresses: z.array(linked),
        sessions: z.array(linked),
        users: z.array(linked),
      })
      .strict(),
    routes: z.array(routeScope),
    lockout: lockout.optional(),
    enforcementGap: enforcementGap.optional(),
    notice,
  })
  .strict();

export type ScopeReport = z.infer<typeof reportSchema>;
export type RouteScope = z.infer<typeof routeScope>;
export type LinkedIdentity = z.infer<typeof linked>;
export type ReportLockout = z.infer<typeof lockout>;
export type ReportRequest = z.infer<typeof request>;
export type EnforcementGap = z.infer<typeof enforcementGap>;
export type BreachNotice = z.infer<typeof notice>;

/** The JSON Schema file's text, as `npm run schemas` writes it. */
export function reportJsonSchema(): string {
  const json = z.toJSONSchema(reportSchema, { io: 'output', unrepresentable: 'any' });
  return `${JSON.stringify(
    {
      title: 'exfilguard breach-scope report',
      description:
        'What one actor got, from retained access logs: `exfilguard report --json PATH`.',
      ...json,
    },
    null,
    2,
  )}\n`;
}
