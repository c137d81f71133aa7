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
// A crash between the first call and a follow-up call loses no follow-up: the
// redelivered record's route step is only a peek (the route after the batch), and
// BatchReplay takes off what the batch's later steps added to give the reading it had
// the first time, so its participant step is made again (a no-op if it was applied);
// a lockout it granted comes back recovered and still feeds the address behind it
// (pipeline.ts, recoveredOfBatch). Exact when the batch comes again as it was cut.
//
// Route-fed decisions depend on how the input partitions interleave: which requests a
// route has seen when a given one arrives differs between two runs (partitions read at
// different paces, by one instance or two). Actor rules read one actor's events, in
// order within one partition, and decide exactly alike in every run; a route-fed rule
// catches the same sweep, but which request of which participant comes first after the
// sweep is on, and so some lockouts' ids and participants at its edges, may differ.
// hostile-address, fed by lockouts, inherits that for the lockouts sweeps feed it.
import { actorIp, type NormalizedEvent } from '../normalize/index.js';
import { IDENTITIES } from '../detect/index.js';
import type { CompiledRule } from '../rules/compile.js';
import { SCOPES, type Scope } from '../vocabulary/scope.js';
import {
  type RecordPosition,
  type Reading,
  type SequenceObservation,
  type StepResult,
  type WindowKey,
  windowKey,
} from '../window/store.js';
import { ruleStep, subjectOf, type RuleStep } from './observe.js';
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
  let replay: BatchReplay | undefined;
  for (let i = 0; i < steps.length; i += 1) {
    const step = steps[i]!;
    const { rule, event } = step;
    const followUp = rule.detector.followUp;
    if (followUp?.owner !== 'route') continue;
    let { reading } = results[i]!;
    if (!results[i]!.applied) {
      // Redelivered (a crash between this call and the participants'): the store only
      // peeks; the batch's own steps say what the route's reading was the first time.
      replay ??= new BatchReplay(steps);
      reading = replay.readingAt(i, reading);
    }
    if (!followUp.joins(reading)) continue;
    const key = participantKey(event, rule);
    if (!key) continue;
    const observation = followUp.participant(event, reading, key);
    const position = followUpPosition(step.position, 'sweep');
    out.push(ruleStep(observation, rule.fire, rule, position, event, step.at));
  }
  return out;
}

/**
 * Whether one of the `recentIds` route steps after member `m` has an id within the gap
 * of its own: the batch's first steps came after ids the batch does not hold, which the
 * steps just after them stand for.
 */
function besideLater(steps: readonly RuleStep[], members: readonly number[], m: number): boolean {
  const { id, maxGap, recentIds } = steps[members[m]!]!.observation as SequenceObservation;
  const end = Math.min(members.length, m + 1 + recentIds);
  for (let k = m + 1; k < end; k += 1) {
    const other = (steps[members[k]!]!.observation as SequenceObservation).id;
    if (other !== id && Math.abs(other - id) <= maxGap) return true;
  }
  return false;
}

/**
 * A redelivered batch's route steps, replayed within the batch as the store counts them
 * (new ids, and close ones: within the gap of one of the `recentIds` ids before them),
 * per rule and route. The store's peek gives the route's figures after the whole batch;
 * taking off what the batch's later steps added gives each step's figures as they were
 * when it was first applied, and its own closeness is its closeness to the batch's
 * ids around it (or the peek's, to the route's recent ids). Exact for a batch delivered
 * again as it was first read, by one instance; a batch cut otherwise is judged on the
 * route's figures after the larger batch, so up to `threshold` requests that came just
 * before the sweep was on may be taken for participants (all of them at its frontier).
 */
class BatchReplay {
  /** Per route step (by index in the batch): its figures as first applied, and closeness. */
  private readonly figures = new Map<
    number,
    { laterClose: number; laterNew: number; close: boolean }
  >();

  constructor(steps: readonly RuleStep[]) {
    const groups = new Map<string, number[]>();
    steps.forEach(({ observation }, index) => {
      if (observation.kind !== 'sequence' || observation.key.scope !== 'route') return;
      const group = `${observation.key.rule}\u0000${observation.key.route ?? ''}`;
      const members = groups.get(group);
      if (members) members.push(index);
      else groups.set(group, [index]);
    });
    for (const members of groups.values()) this.replay(steps, members);
  }

  private replay(steps: readonly RuleStep[], members: readonly number[]): void {
    const recent: number[] = [];
    const counted = members.map((index) => {
      const observation = steps[index]!.observation as SequenceObservation;
      const { id, maxGap } = observation;
      const seen = recent.indexOf(id);
      if (seen >= 0) {
        // A repeat moves to the newest end, as in the stores.
        recent.splice(seen, 1);
        recent.push(id);
        return { isNew: false, close: false };
      }
      const from = Math.max(0, recent.length - (observation.closeAmong ?? recent.length));
      const close = recent.some((other, i) => i >= from && Math.abs(other - id) <= maxGap);
      recent.push(id);
      if (recent.length > observation.recentIds) recent.shift();
      return { isNew: true, close };
    });
    let laterClose = 0;
    let laterNew = 0;
    for (let m = members.length - 1; m >= 0; m -= 1) {
      const { isNew, close } = counted[m]!;
      // Only the first `recentIds` steps could have been close to ids before the batch.
      const early = m < (steps[members[m]!]!.observation as SequenceObservation).recentIds;
      const beside = close || (early && besideLater(steps, members, m));
      this.figures.set(members[m]!, { laterClose, laterNew, close: beside });
      if (isNew) laterNew += 1;
      if (close) laterClose += 1;
    }
  }

  /** The route step's reading as first applied, from the peek's (the route after the batch). */
  readingAt(index: number, peek: Reading): Reading {
    const figures = this.figures.get(index);
    if (!figures) return peek;
    const { laterClose, laterNew, close } = figures;
    return [
      Math.max(0, (peek[0] ?? 0) - laterClose),
      Math.max(0, (peek[1] ?? 0) - laterNew),
      close || peek[2] === 1 ? 1 : 0,
    ];
  }
}

function participantKey(event: NormalizedEvent, rule: CompiledRule): WindowKey | undefined {
  const { key: scopes, ipv6Prefix, id } = rule.rule;
  for (const scope of SPECIFIC_FIRST) {
    if (!scopes.includes(scope)) continue;
    const subject = subjectOf(event, scope, ipv6Prefix);
    if (subject !== undefined) return windowKey(id, scope, subject, event.route);
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
  identities: IdentityReadings,
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
      const base = windowKey(rule.rule.id, 'ip', subject, undefined);
      const observation = followUp.observeLockout(event, lockout.key, base);
      if (!observation) continue;
      done.add(at);
      const position = followUpPosition(step.position, 'locked');
      const fire = followUp.fireFor(identities.get(identityKey(rule.rule.id, at)));
      out.push(ruleStep(observation, fire, rule, position, event, at));
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The first call's readings of the addresses' identities windows, by rule and event. */
export type IdentityReadings = ReadonlyMap<string, Reading>;

function identityKey(rule: string, at: number): string {
  return `${rule}\u0000${at}`;
}

/** The identities readings among the first call's results (lockedIdentities' fireFor). */
export function identityReadings(
  steps: readonly RuleStep[],
  results: readonly StepResult[],
): IdentityReadings {
  const out = new Map<string, Reading>();
  for (let i = 0; i < steps.length; i += 1) {
    const { observation, at } = steps[i]!;
    if (observation.key.route === IDENTITIES)
      out.set(identityKey(observation.key.rule, at), results[i]!.reading);
  }
  return out;
}
