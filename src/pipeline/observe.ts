// The batch's first step: AccessEvent → NormalizedEvent → Observation. Each event is
// normalised once, dropped if allowlisted, and observed by every rule that matches it,
// once per scope the rule measures (ip, session, user) that the event names.
import type { AccessEvent } from '../event/index.js';
import { actorIp, type NormalizedEvent, normalizeEvent } from '../normalize/index.js';
import type { CompiledRule, CompiledRuleSet } from '../rules/compile.js';
import type { Scope } from '../vocabulary/scope.js';
import type { RecordPosition, Step } from '../window/store.js';
import { observationOf } from './detection.js';

/**
 * A window store step, with the rule and event it came from (for the tally, the trace
 * and the finding): one object per step, read by index beside the store's results.
 */
export interface RuleStep extends Step {
  readonly rule: CompiledRule;
  readonly event: NormalizedEvent;
}

export interface ObservedBatch {
  readonly steps: RuleStep[];
  /** Events dropped because their client, user, session or route is allowlisted. */
  readonly allowlisted: number;
}

/** `positions[i]` is where events[i] came from (Kafka), so a redelivery counts once. */
export function observeBatch(
  events: readonly AccessEvent[],
  positions: readonly (RecordPosition | undefined)[] | undefined,
  { rules, allowlist }: CompiledRuleSet,
): ObservedBatch {
  const steps: RuleStep[] = [];
  let allowlisted = 0;
  for (let index = 0; index < events.length; index += 1) {
    const event = normalizeEvent(events[index]!);
    if (allowlist.allows(event)) allowlisted += 1;
    else observeEvent(event, positions?.[index], rules, steps);
  }
  return { steps, allowlisted };
}

/** Appends the event's steps: one per matching rule and scope the event names. */
function observeEvent(
  event: NormalizedEvent,
  position: RecordPosition | undefined,
  rules: readonly CompiledRule[],
  steps: RuleStep[],
): void {
  for (const rule of rules) {
    if (!rule.matches(event)) continue;
    for (const scope of rule.rule.key) {
      const subject = subjectOf(event, scope, rule.rule.ipv6Prefix);
      if (subject === undefined) continue;
      const observation = observationOf(event, rule, { rule: rule.rule.id, scope, subject });
      // `position` stays undefined in replay: both stores test it for truth.
      steps.push({ observation, fire: rule.fire, lockout: rule.lockout, position, rule, event });
    }
  }
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
