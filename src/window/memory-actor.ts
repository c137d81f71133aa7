// What the memory store keeps of an actor beside its windows, and what it does with it:
// a fired reading's claim (scripts/commit/05-claim.lua in Redis), the snapshot a batch
// starts from, and an operator's lift, as the Redis store's lift script does it
// (scripts/lift/; what it means: LiftRequest in store.ts; the contract suite holds both).
// The reference store of the differential tests shares these: only its windows differ.
import {
  decideClaim,
  liftedState,
  offenceRetentionMs,
  type ClaimResult,
  type OffenceState,
} from '../decide/policy.js';
import {
  EVERY_RULE,
  pendingId,
  type LiftRequest,
  type PendingLockout,
  type Reading,
  type Step,
} from './store.js';

/** A rule's offences (or a lift's grace marker), forgotten at `expiresAt` (event time). */
export interface OffenceEntry {
  state: OffenceState;
  expiresAt: number;
}

/** An actor's state beside its windows (a lift clears them too: the store does, first). */
export interface LiftableActor {
  /** Made at the first offence or lift: most actors never have one. */
  offences?: Map<string, OffenceEntry>;
  /** Highest offset applied per stream (a lift keeps them). */
  positions?: Map<string, number>;
  /** Granted lockouts not yet confirmed, by pending id. */
  pending?: Map<string, PendingLockout> | undefined;
}

/** What a batch starts from for one actor: applied positions and pending lockouts. */
export interface ActorSnapshot {
  readonly positions?: Map<string, number>;
  readonly pending: readonly PendingLockout[];
}

/** A snapshot of nothing: most actors have no positions (replay) and no pending lockout. */
export const NOTHING_BEFORE: ActorSnapshot = Object.freeze({ pending: Object.freeze([]) });

/** The snapshot (copies of what exists). */
export function snapshotOf(actor: LiftableActor): ActorSnapshot {
  const pending = actor.pending;
  if (!actor.positions && !pending?.size) return NOTHING_BEFORE;
  return {
    ...(actor.positions && { positions: new Map(actor.positions) }),
    pending: pending && pending.size > 0 ? [...pending.values()] : [],
  };
}

/** A fired reading's claim: granted, the offence is kept and the lockout pending. */
export function claim(actor: LiftableActor, step: Step, reading: Reading): ClaimResult {
  const { key, ts } = step.observation;
  const current = liveOffence(actor, key.rule, ts);
  const everyRule = liveOffence(actor, EVERY_RULE, ts);
  const { result, state } = decideClaim(step.lockout, ts, current, everyRule);
  if (!result.granted) return result;
  actor.offences ??= new Map();
  actor.offences.set(key.rule, {
    state,
    expiresAt: ts + offenceRetentionMs(step.lockout, result.ttlMs),
  });
  const lockout: PendingLockout = {
    key,
    eventTs: ts,
    offence: result.offence,
    ttlMs: result.ttlMs,
    reading,
    ...(step.position && { position: step.position }),
  };
  actor.pending ??= new Map();
  actor.pending.set(pendingId(lockout), lockout);
  return result;
}

/** The rule's offence state, unless expired at event time `ts` (EVERY_RULE: a lift's marker). */
export function liveOffence(
  actor: LiftableActor,
  rule: string,
  ts: number,
): OffenceState | undefined {
  const entry = actor.offences?.get(rule);
  return entry && entry.expiresAt > ts ? entry.state : undefined;
}

/**
 * The lift, but for the actor's windows, which the store clears first: every window,
 * whatever rules are named (the Redis store cannot pick one rule's windows, whose fields
 * are HMACs of rule and route, and both stores must agree).
 */
export function liftActor(actor: LiftableActor, request: LiftRequest): void {
  const { rules, graceUntilMs } = request;
  actor.offences ??= new Map();
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
