// An operator's lift in the memory store, as the Redis store's lift script does it
// (scripts/lift/; what it means: LiftRequest in store.ts; the contract suite holds both),
// and the offence lookup of a claim that honours it.
import { liftedState, type OffenceState } from '../decide/policy.js';
import { EVERY_RULE, type LiftRequest, type PendingLockout } from './store.js';

/** A rule's offences (or a lift's grace marker), forgotten at `expiresAt` (event time). */
export interface OffenceEntry {
  state: OffenceState;
  expiresAt: number;
}

/** What a lift changes of an actor; the store keeps the rest (positions stay). */
export interface LiftableActor {
  readonly windows: Map<string, unknown>;
  readonly offences: Map<string, OffenceEntry>;
  readonly pending?: Map<string, PendingLockout> | undefined;
}

/** The rule's offence state, unless expired at event time `ts` (EVERY_RULE: a lift's marker). */
export function liveOffence(
  actor: LiftableActor,
  rule: string,
  ts: number,
): OffenceState | undefined {
  const entry = actor.offences.get(rule);
  return entry && entry.expiresAt > ts ? entry.state : undefined;
}

export function liftActor(actor: LiftableActor, request: LiftRequest): void {
  const { rules, graceUntilMs } = request;
  // Every window, whatever rules are named: the Redis store cannot pick one rule's
  // windows (their fields are HMACs of rule and route), and both stores must agree.
  actor.windows.clear();
  if (rules === undefined) actor.offences.clear();
  // The marker expires, in event time, when the grace ends: the claim then finds no
  // offence and grants a first one (policy.ts liftedState).
  for (const rule of rules ?? [EVERY_RULE]) {
    actor.offences.set(rule, { state: liftedState(graceUntilMs), expiresAt: graceUntilMs });
  }
  // Granted, unconfirmed lockouts of the lifted rules: recovered later, they would lock again.
  for (const [id, lockout] of actor.pending ?? []) {
    if (rules === undefined || rules.includes(lockout.key.rule)) actor.pending!.delete(id);
  }
}
