// Contract 3: the rule files. Three kinds of YAML document, told apart by `kind`:
// `rule` (the default), `override` (an operator's tuning of a shipped rule, in a
// file of their own) and `allowlist`. Unknown keys are errors, so a typo in a
// threshold name cannot silently leave a default in force.
import { z } from 'zod';
import { detectSchema } from '../detect/index.js';
import { parseCidr } from '../normalize/index.js';
import { statusSpec } from '../vocabulary/http-status.js';
import { duration } from '../vocabulary/rule-fields.js';
import { ACCESS_CLASSES, ADDRESS_TRAFFIC, MODES, SCOPES, SEVERITIES } from '../vocabulary/scope.js';

const MAX_WINDOW_MS = 24 * 3_600_000;

const ruleId = z
  .string()
  .min(1)
  .max(64)
  .refine((id) => /^[a-z0-9][a-z0-9-]*$/.test(id), {
    message: 'use lowercase letters, digits and dashes, e.g. "sequential-id-scan"',
  });

/** A route template glob: `*` is one segment, `**` any number of segments. */
const routeGlob = z
  .string()
  .min(1)
  .max(512)
  .refine((glob) => glob.startsWith('/'), { message: 'a route pattern starts with "/"' });

const cidrText = z
  .string()
  .min(1)
  .max(64)
  .superRefine((text, ctx) => {
    try {
      parseCidr(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

export const matchSchema = z
  .object({
    methods: z.array(z.string().min(1).max(16)).min(1).optional(),
    routes: z.array(routeGlob).min(1).optional(),
    excludeRoutes: z.array(routeGlob).optional(),
    status: z.array(statusSpec).min(1).optional(),
    /** Static assets (images, scripts, styles, fonts) are left out unless this is true. */
    includeStatic: z.boolean().default(false),
    /**
     * Which classes of route count (see the `routes` documents): by default only
     * `protected` ones, the routes that serve records. Undeclared routes are protected.
     */
    access: z.array(z.enum(ACCESS_CLASSES)).min(1).default(['protected']),
  })
  .strict();

export const actionSchema = z
  .object({
    ttl: duration(1000, 30 * 86_400_000),
    severity: z.enum(SEVERITIES),
    escalation: z
      .object({
        /** Each repeat offence multiplies the ttl by this. */
        factor: z.number().min(1).max(100).default(2),
        maxTtl: duration(1000, 365 * 86_400_000),
        /** Offences older than this are forgotten. */
        forgetAfter: duration(60_000, 365 * 86_400_000).default(7 * 86_400_000),
      })
      .strict()
      .optional(),
  })
  .strict();

export const ruleSchema = z
  .object({
    kind: z.literal('rule').default('rule'),
    id: ruleId,
    description: z.string().min(1).max(500),
    mode: z.enum(MODES).default('enforce'),
    match: matchSchema.default({ includeStatic: false, access: ['protected'] }),
    key: z
      .union([z.enum(SCOPES), z.array(z.enum(SCOPES)).min(1)])
      .transform((key) => [...new Set(Array.isArray(key) ? key : [key])]),
    window: duration(1000, MAX_WINDOW_MS),
    /** Time buckets per window: the window is exact to one bucket's width. */
    buckets: z.number().int().min(2).max(60).default(12),
    /** An IPv6 client is measured by its network prefix: one attacker holds a whole /64. */
    ipv6Prefix: z.number().int().min(8).max(128).default(64),
    /**
     * What the `ip` key counts. `anonymous` (the default): the address's own traffic,
     * requests that carry neither session nor user, so one session scraping behind an
     * office NAT locks that session and user, not the address hundreds share. `all`:
     * every request from the address, for rules where a shared address is the signal.
     */
    addressTraffic: z.enum(ADDRESS_TRAFFIC).default('anonymous'),
    detect: detectSchema,
    action: actionSchema,
  })
  .strict();
export type Rule = z.infer<typeof ruleSchema>;

/** An operator's tuning of a rule defined elsewhere: thresholds, window, mode, ttl. */
export const overrideSchema = z
  .object({
    kind: z.literal('override'),
    rule: ruleId,
    disabled: z.boolean().optional(),
    mode: z.enum(MODES).optional(),
    window: z.unknown().optional(),
    buckets: z.unknown().optional(),
    key: z.unknown().optional(),
    ipv6Prefix: z.unknown().optional(),
    addressTraffic: z.unknown().optional(),
    match: z.record(z.string(), z.unknown()).optional(),
    detect: z.record(z.string(), z.unknown()).optional(),
    action: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type RuleOverride = z.infer<typeof overrideSchema>;

export const allowlistSchema = z
  .object({
    kind: z.literal('allowlist'),
    description: z.string().max(500).optional(),
    /** IPv4 and IPv6 addresses or CIDRs. */
    ips: z.array(cidrText).default([]),
    users: z.array(z.string().min(1).max(512)).default([]),
    sessions: z.array(z.string().min(1).max(512)).default([]),
    /** Route template globs, e.g. "/healthz" or "/internal/**". */
    routes: z.array(routeGlob).default([]),
    /**
     * Required to load an allowlist that switches detection off for (nearly) everyone:
     * a prefix shorter than /8 (`0.0.0.0/0`, `::/0`) or a route glob of wildcards only
     * (`/**`). Without it such an allowlist is refused (see reach.ts).
     */
    confirm: z.literal('allow-everyone').optional(),
  })
  .strict();
export type Allowlist = z.infer<typeof allowlistSchema>;

/** Known route classes. A rule's `match.access` picks which classes it counts. */
export const routesSchema = z
  .object({
    kind: z.literal('routes'),
    description: z.string().max(500).optional(),
    /** Content anyone may read (catalogue, articles, blog): walked in order by crawlers. */
    public: z.array(routeGlob).default([]),
    /** Installers, media, archives: big answers that are not records. */
    downloads: z.array(routeGlob).default([]),
    /** Routes that serve records even inside a public or download tree: these win. */
    protected: z.array(routeGlob).default([]),
  })
  .strict();
export type RouteClasses = z.infer<typeof routesSchema>;

/**
 * Networks that search engines publish for their crawlers, as a dated snapshot. A
 * crawler is known by its address, never its user agent, which anyone can forge.
 */
export const crawlersSchema = z
  .object({
    kind: z.literal('crawlers'),
    description: z.string().max(500).optional(),
    /** The day the networks were copied from their sources (YYYY-MM-DD). */
    snapshot: z
      .string()
      .refine((day) => /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(Date.parse(day)), {
        message: 'give the day of the snapshot as YYYY-MM-DD, e.g. "2026-11-30"',
      }),
    networks: z
      .array(
        z
          .object({
            /** Whose crawler, e.g. "googlebot". */
            name: z.string().min(1).max(64),
            /** Where the list is published, for a refresh. */
            source: z.string().max(512).optional(),
            cidrs: z.array(cidrText).min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type Crawlers = z.infer<typeof crawlersSchema>;
