// Rules compiled once at load, so the per-event path only calls small closures:
// the match predicate, the compiled detector, the allowlist lookups.
import { CidrSet, type NormalizedEvent } from '../normalize/index.js';
import {
  compileDetector,
  DistinctHash,
  type CompiledDetector,
  type EventNeeds,
} from '../detect/index.js';
import type { LockoutPolicy } from '../decide/policy.js';
import { compileStatusMatcher } from '../vocabulary/http-status.js';
import type { AccessClass } from '../vocabulary/scope.js';
import type { FireCondition, WindowShape } from '../window/store.js';
import { AllowlistCoverage } from './allowlist-coverage.js';
import type { RuleSet, SourcedAllowlist, SourcedCrawlers } from './load.js';
import { compileRouteClasses, type RouteClassifier } from './route-classes.js';
import { compileRouteGlobs, type RouteMatcher } from './route-glob.js';
import type { Rule } from './schema.js';

export interface CompiledRule {
  readonly rule: Rule;
  readonly window: WindowShape;
  /** The rule's `detect:` config compiled: observes events, describes readings. */
  readonly detector: CompiledDetector;
  /** The detector's fire condition (`detector.fire`), handed to the store with each step. */
  readonly fire: FireCondition;
  readonly lockout: LockoutPolicy;
  /**
   * True when the event counts for this rule (route class, methods, routes, status,
   * static assets); `access` is the class of the event's route (`RouteKnowledge.classify`).
   */
  readonly matches: (event: NormalizedEvent, access: AccessClass) => boolean;
}

export interface CompiledAllowlist {
  /** True when the event's client, user, session or route is allowlisted. */
  readonly allows: (event: NormalizedEvent) => boolean;
  /** Which entry covers a lockout's subject: a reload compares the old and the new. */
  readonly coverage: AllowlistCoverage;
  /** The allowlists compiled, with their files: a reload logs what changed (counts only). */
  readonly sources: readonly SourcedAllowlist[];
}

/** What the rule files say about routes and clients, beside the rules themselves. */
export interface RouteKnowledge {
  /** The class of a route template: protected (the default), public or download. */
  readonly classify: RouteClassifier;
  /** True when the address is in a search engine's published crawler networks. */
  readonly isCrawler: (ip: string) => boolean;
  /** The crawler snapshots loaded, for logs and `rules show`. */
  readonly crawlers: readonly SourcedCrawlers[];
}

export interface CompiledRuleSet {
  readonly rules: readonly CompiledRule[];
  readonly allowlist: CompiledAllowlist;
  readonly routes: RouteKnowledge;
}

export function compileRuleSet(
  ruleSet: RuleSet,
  distinctHash: DistinctHash = DistinctHash.builtIn(),
): CompiledRuleSet {
  return {
    rules: ruleSet.rules.map((rule) => compileRule(rule, distinctHash)),
    allowlist: compileAllowlists(ruleSet.allowlists),
    routes: compileRouteKnowledge(ruleSet),
  };
}

function compileRouteKnowledge(ruleSet: Pick<RuleSet, 'routes' | 'crawlers'>): RouteKnowledge {
  const networks = new CidrSet(ruleSet.crawlers.flatMap((c) => c.networks.flatMap((n) => n.cidrs)));
  return {
    classify: compileRouteClasses(ruleSet.routes),
    isCrawler: networks.size === 0 ? () => false : (ip) => networks.has(ip),
    crawlers: ruleSet.crawlers,
  };
}

export function compileRule(
  rule: Rule,
  distinctHash: DistinctHash = DistinctHash.builtIn(),
): CompiledRule {
  const bucketMs = Math.ceil(rule.window / rule.buckets);
  const window: WindowShape = { windowMs: rule.window, bucketMs };
  const detector = compileDetector(rule.detect, { window, distinctHash });
  return {
    rule,
    window,
    detector,
    fire: detector.fire,
    lockout: lockoutPolicyOf(rule),
    matches: compileMatch(rule, detector.needs),
  };
}

function lockoutPolicyOf(rule: Rule): LockoutPolicy {
  const { ttl, escalation } = rule.action;
  return {
    ttlMs: ttl,
    ...(escalation && {
      escalation: {
        factor: escalation.factor,
        maxTtlMs: escalation.maxTtl,
        forgetAfterMs: escalation.forgetAfter,
      },
    }),
  };
}

function compileMatch(rule: Rule, needs: EventNeeds): CompiledRule['matches'] {
  const { match } = rule;
  const methods = match.methods ? new Set(match.methods.map((m) => m.toUpperCase())) : undefined;
  const routes = compileRouteGlobs(match.routes);
  const excluded = compileRouteGlobs(match.excludeRoutes);
  const status = match.status ? compileStatusMatcher(match.status) : undefined;
  const access = new Set(match.access);
  // Enumeration counts numeric ids; breadth of objects counts object ids: events
  // without one say nothing to these detectors. A detector's own test (`accepts`)
  // runs last, after the cheap comparisons.
  const { numericId: needsNumericId, objectId: needsObjectId, accepts } = needs;
  return (event, accessClass) =>
    access.has(accessClass) &&
    (match.includeStatic || !event.isStatic) &&
    (!needsNumericId || event.numericId !== undefined) &&
    (!needsObjectId || event.objectId !== undefined) &&
    (!methods || methods.has(event.method)) &&
    (!status || status(event.status)) &&
    (!routes || routes(event.route)) &&
    (!excluded || !excluded(event.route)) &&
    (!accepts || accepts(event));
}

function compileAllowlists(allowlists: readonly SourcedAllowlist[]): CompiledAllowlist {
  const coverage = new AllowlistCoverage(allowlists);
  const ips = new CidrSet(allowlists.flatMap((a) => a.ips));
  const users = new Set(allowlists.flatMap((a) => a.users));
  const sessions = new Set(allowlists.flatMap((a) => a.sessions));
  const routes: RouteMatcher | undefined = compileRouteGlobs(allowlists.flatMap((a) => a.routes));
  if (ips.size === 0 && users.size === 0 && sessions.size === 0 && !routes) {
    return { allows: () => false, coverage, sources: allowlists };
  }
  return {
    coverage,
    sources: allowlists,
    allows: (event) =>
      (ips.size > 0 && ips.has(event.ip)) ||
      (event.user !== undefined && users.has(event.user)) ||
      (event.session !== undefined && sessions.has(event.session)) ||
      (routes !== undefined && routes(event.route)),
  };
}
