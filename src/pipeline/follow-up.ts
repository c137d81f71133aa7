// Follow-up steps: what the batch's first store call tells that needs a step on
// another actor's window, applied by a second (and third) call of the same batch.
//  - Sweep participants: an event whose route reading shows a sweep with this event's
//    id at its frontier (RouteFollowUp.joins) → a step on its most specific identity's
//    window (user, else session, else address, among the rule's `key`), which fires at
//    once and claims the lockout like any rule's step.
//  - Hostile sessions: a granted enforce lockout of a session or user (first call or
//    sweep participants) → a step on the event's address's lockedIdentities window.
// Each follow-up step carries its record's position on a stream of its own
// (`<stream>#sweep`, `<stream>#locked`): applied positions are per actor and stream, so
// a redelivered record's follow-up is a no-op and never collides with the actor's own
// steps of the same record in the first call. The steps keep event order, and their
// lockouts are announced in event order (pipeline.ts), so batch cuts change nothing.
//
// A crash between the first call and a follow-up call loses that batch's follow-ups:
// the redelivered record's route step is a redelivery (a peek, its third figure 0), so
// its participants of that batch are not locked; the sweep's later ones are.
import { actorIp, type NormalizedEvent } from '../normalize/index.js';
import type { CompiledRule } from '../rules/compile.js';
import { SCOPES, type Scope } from '../vocabulary/scope.js';
import type { RecordPosition, StepResult, WindowKey } from '../window/store.js';
import { subjectOf, type RuleStep } from './observe.js';
import type { Granted } from './readings.js';

/** Marks a follow-up's stream: Kafka topic names cannot hold it. */
const FOLLOW_UP_MARK = '#';

/** The stream a follow-up step's position is applied on. */
function followUpPosition(
  position: RecordPosition | undefined,
  kind: 'sweep' | 'locked',
): RecordPosition | undefined {
  return (
    position && { stream: `${position.stream}${FOLLOW_UP_MARK}${kind}`, offset: position.offset }
  );
}

/** The record's own stream, for a follow-up's position: whose batch granted its lockout. */
export function baseStream(stream: string): string {
  const mark = stream.indexOf(FOLLOW_UP_MARK);
  return mark < 0 ? stream : stream.slice(0, mark);
}

/** Most specific first: a participant is locked by the first of these it names. */
const SPECIFIC_FIRST: readonly Scope[] = [...SCOPES].reverse();

/** The participant steps of the sweeps the first call's route readings show. */
export function participantSteps(
  steps: readonly RuleStep[],
  results: readonly StepResult[],
): RuleStep[] {
  const out: RuleStep[] = [];
  for (let i = 0; i < steps.length; i += 1) {
    const step = steps[i]!;
    const { rule, event } = step;
    const followUp = rule.detector.followUp;
    if (followUp?.owner !== 'route') continue;
    const { reading, applied } = results[i]!;
    if (!applied || !followUp.joins(reading)) continue;
    const key = participantKey(event, rule);
    if (!key) continue;
    const observation = followUp.participant(event, reading, key);
    const position = followUpPosition(step.position, 'sweep');
    out.push({ ...step, observation, fire: rule.fire, position });
  }
  return out;
}

function participantKey(event: NormalizedEvent, rule: CompiledRule): WindowKey | undefined {
  const { key: scopes, ipv6Prefix, id } = rule.rule;
  for (const scope of SPECIFIC_FIRST) {
    if (!scopes.includes(scope)) continue;
    const subject = subjectOf(event, scope, ipv6Prefix);
    if (subject !== undefined) return { rule: id, scope, subject, route: event.route };
  }
  return undefined;
}

/**
 * The lockedIdentities steps for `granted` (lockouts of earlier calls, in event order):
 * per rule fed by lockouts, one step per event whose lockout named a session or user
 * (an event may lock both, or by two rules: it names one identity, counted once).
 */
export function lockedIdentitySteps(
  granted: readonly Granted[],
  rules: readonly CompiledRule[],
): RuleStep[] {
  const fed = rules.filter((rule) => rule.detector.followUp?.owner === 'lockouts');
  if (fed.length === 0) return [];
  const out: RuleStep[] = [];
  for (const rule of fed) {
    const followUp = rule.detector.followUp;
    if (followUp?.owner !== 'lockouts' || !rule.rule.key.includes('ip')) continue;
    const done = new Set<number>();
    for (const { step, lockout } of granted) {
      const { event, at } = step;
      // A lockout feeds the rule whatever class its event's route is: its own rule chose.
      if (done.has(at) || step.rule.rule.mode !== 'enforce' || !rule.matches(event, 'protected'))
        continue;
      // The address the lockout's event came from, whatever the event carries: the
      // rule's `ip` key counts the address's own traffic, this one its identities.
      const subject = actorIp(event.ip, rule.rule.ipv6Prefix);
      const base: WindowKey = { rule: rule.rule.id, scope: 'ip', subject };
      const observation = followUp.observeLockout(event, lockout.key, base);
      if (!observation) continue;
      done.add(at);
      const position = followUpPosition(step.position, 'locked');
      out.push({ observation, fire: rule.fire, lockout: rule.lockout, position, rule, event, at });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}
