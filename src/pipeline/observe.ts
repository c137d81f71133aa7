// The batch's first step: AccessEvent → NormalizedEvent → Observation. Each event is
// normalised once, dropped if allowlisted (or a known crawler on a public route), its
// route classed (protected, public, download), and observed by every rule that
// matches it, once per scope the rule measures (ip, session, user) that the event
// names; a rule whose window is its route's (sweep) once, on the route's window, if
// it feeds it; a rule fed by lockouts (lockedIdentities) not at all (follow-up.ts).
// A rule's `ip` scope counts, by default, only the address's own traffic: requests
// with neither session nor user (see `addressTraffic` in rules/schema.ts).
import type { AccessEvent } from '../event/index.js';
import { actorIp, idSpaceRoute, type NormalizedEvent, normalizeEvent } from '../normalize/index.js';
import type { CompiledRule, CompiledRuleSet, RouteKnowledge } from '../rules/compile.js';
import type { AccessClass, Scope } from '../vocabulary/scope.js';
import {
  NEVER_FIRES,
  type FireCondition,
  type Observation,
  type RecordPosition,
  type Step,
  windowKey,
} from '../window/store.js';
import { observationOf } from './detection.js';

/**
 * A window store step, with the rule and event it came from (for the tally, the trace
 * and the finding): one object per step, read by index beside the store's results.
 */
export interface RuleStep extends Step {
  readonly rule: CompiledRule;
  readonly event: NormalizedEvent;
  /** The event's index in the batch: the batch's lockouts are announced in event order. */
  readonly at: number;
}

export interface ObservedBatch {
  readonly steps: RuleStep[];
  /** Events dropped because their client, user, session or route is allowlisted. */
  readonly allowlisted: number;
  /** Events of known crawler networks on public routes: expected there, counted by no rule. */
  readonly crawlers: number;
}

/** `positions[i]` is where events[i] came from (Kafka), so a redelivery counts once. */
export function observeBatch(
  events: readonly AccessEvent[],
  positions: readonly (RecordPosition | undefined)[] | undefined,
  { rules, allowlist, routes }: CompiledRuleSet,
): ObservedBatch {
  const steps: RuleStep[] = [];
  let allowlisted = 0;
  let crawlers = 0;
  for (let index = 0; index < events.length; index += 1) {
    const event = normalizeEvent(events[index]!);
    if (allowlist.allows(event)) {
      allowlisted += 1;
      continue;
    }
    const access = routes.classify(event.route);
    if (isCrawlerOnPublicRoute(event, access, routes)) crawlers += 1;
    else observeEvent(event, access, index, positions?.[index], rules, steps);
  }
  return { steps, allowlisted, crawlers };
}

/**
 * A search engine's crawler, known by its published network (never by its user agent,
 * which anyone can forge), reading public content: what public routes are for. On a
 * protected route the same address counts like anyone else's.
 */
function isCrawlerOnPublicRoute(
  event: NormalizedEvent,
  access: AccessClass,
  routes: RouteKnowledge,
): boolean {
  return access === 'public' && routes.isCrawler(event.ip);
}

/** Appends the event's steps: one per matching rule and scope the event names. */
function observeEvent(
  event: NormalizedEvent,
  access: AccessClass,
  at: number,
  position: RecordPosition | undefined,
  rules: readonly CompiledRule[],
  steps: RuleStep[],
): void {
  // Requests of a session or user belong to them, not to the address they share.
  const identified = Boolean(event.session || event.user);
  for (const rule of rules) {
    const { followUp } = rule.detector;
    const { id } = rule.rule;
    if (followUp?.owner === 'lockouts') {
      // Fed by lockouts (follow-up.ts); its events only count the address's identities,
      // on any route: a person behind a NAT reading public pages is one of its people.
      if (!identified || !rule.matches(event, 'protected')) continue;
      const base = windowKey(id, 'ip', actorIp(event.ip, rule.rule.ipv6Prefix), undefined);
      const observation = followUp.observeIdentity(event, base);
      steps.push(ruleStep(observation, NEVER_FIRES, rule, position, event, at));
      continue;
    }
    if (!rule.matches(event, access)) continue;
    if (followUp?.owner === 'route') {
      if (!followUp.feeds(event)) continue;
      // The id space, as enumeration: a sweep moving its id into the query stays one.
      const key = windowKey(id, 'route', idSpaceRoute(event.route), undefined);
      // A route's window never claims: its participants are locked by follow-up steps.
      const observation = observationOf(event, rule, key);
      steps.push(ruleStep(observation, NEVER_FIRES, rule, position, event, at));
      continue;
    }
    const ownTrafficOnly = rule.rule.addressTraffic === 'anonymous';
    for (const scope of rule.rule.key) {
      if (scope === 'ip' && identified && ownTrafficOnly) continue;
      const subject = subjectOf(event, scope, rule.rule.ipv6Prefix);
      if (subject === undefined) continue;
      const observation = observationOf(event, rule, windowKey(id, scope, subject, undefined));
      steps.push(ruleStep(observation, rule.fire, rule, position, event, at));
    }
  }
}

/**
 * Every step of a batch is made here, with its fields in one order: the store and the
 * pipeline read millions of them, and objects of one shape keep those reads fast.
 * `fire` is the rule's, or NEVER_FIRES for a step that only counts (a route's window,
 * an address's identities). `position` stays undefined in replay: both stores test it
 * for truth.
 */
export function ruleStep(
  observation: Observation,
  fire: FireCondition,
  rule: CompiledRule,
  position: RecordPosition | undefined,
  event: NormalizedEvent,
  at: number,
): RuleStep {
  return { observation, fire, lockout: rule.lockout, position, rule, event, at };
}

/** Whom the event names in `scope`; an IPv6 client by its network prefix. */
export function subjectOf(
  event: AccessEvent,
  scope: Scope,
  ipv6Prefix: number,
): string | undefined {
  switch (scope) {
    case 'ip':
      return actorIp(event.ip, ipv6Prefix);
    case 'session':
      return event.session || undefined;
    case 'user':
      return event.user || undefined;
  }
}
