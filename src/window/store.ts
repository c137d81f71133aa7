// The window store: where sliding-window state lives. The engine hands it
// observations in event order and gets one reading back per observation; it never
// knows which store it has. Two implementations: memory (replay, tests) and Redis
// (the streaming service), which must give identical readings for the same input.
//
// Implementations must:
//  - apply observations strictly in the order given, each seeing the ones before;
//  - slide windows on event time (`ts`), never on the wall clock;
//  - keep a window as `buckets` time buckets, so a long window costs a few numbers;
//  - treat an observation older than its key's window as late: it changes nothing,
//    and the reading is the current window's;
//  - forget a key's state once its window has passed with no observation;
//  - apply a step with a position at or below one already applied for that actor and
//    stream as a no-op (redelivery), and evaluate fire conditions and lockout claims
//    in the same atomic step as the window update, so a crash cannot split them;
//  - follow an operator's lift (LiftRequest) atomically: every window of the actor
//    cleared, the lifted rules' offences and pending lockouts forgotten, and a grace
//    marker that refuses their claims (ClaimResult.grace) until `graceUntilMs`.
import type { ClaimResult, LockoutPolicy } from '../decide/policy.js';
import type { Scope } from '../vocabulary/scope.js';

/**
 * Who owns a window: an actor (the scopes a lockout names) or, for a detector that
 * watches a whole route (sweep), the route itself. A route never claims a lockout:
 * its steps' fire condition is NEVER_FIRES, and the pipeline locks the participants
 * (src/pipeline/follow-up.ts). Not part of the lockout contract.
 */
export type WindowOwner = Scope | 'route';

/** A fire condition that never holds: the steps of a route's window. */
export const NEVER_FIRES: FireCondition = { atLeast: [] };

/** Whose window: one rule measuring one actor (or route); enumeration also splits by route. */
export interface WindowKey {
  readonly rule: string;
  readonly scope: WindowOwner;
  readonly subject: string;
  readonly route?: string;
}

/**
 * Every window key of the event path is made here, with its four fields in one order
 * (`route` undefined for a whole actor's): the stores read millions of them, and
 * objects of one shape keep those reads fast (as `ruleStep`, pipeline/observe.ts).
 */
export function windowKey(
  rule: string,
  scope: WindowOwner,
  subject: string,
  route: string | undefined,
): WindowKey {
  return { rule, scope, subject, route };
}

export interface WindowShape {
  readonly windowMs: number;
  readonly bucketMs: number;
}

/** Bucketed sums of a fixed list of figures (requests, bytes, errors …). */
export interface CounterObservation {
  readonly kind: 'counter';
  readonly key: WindowKey;
  readonly ts: number;
  readonly window: WindowShape;
  readonly add: readonly number[];
}

/**
 * Distinct values, estimated by linear counting over a bitmap of `bits` bits per
 * bucket (the union of the window's buckets). The caller hashes the value to `bit`,
 * so both stores see the same bit.
 */
export interface DistinctObservation {
  readonly kind: 'distinct';
  readonly key: WindowKey;
  readonly ts: number;
  readonly window: WindowShape;
  readonly bit: number;
  readonly bits: number;
}

/**
 * An object id touched. It counts as "close" when it is new (not among the `recentIds`
 * last distinct ids) and within `maxGap` of one of them: the signature of walking ids
 * in order, by stride, or shuffled within a range. The reading is [close ids, new ids,
 * this id close]: a repeat of a recent id counts in neither sum; the third figure is 1
 * when this observation's id counted as close (0 for a repeat, a late observation or a
 * redelivery's peek), so a route's sweep can tell who is at its frontier.
 */
export interface SequenceObservation {
  readonly kind: 'sequence';
  readonly key: WindowKey;
  readonly ts: number;
  readonly window: WindowShape;
  readonly id: number;
  readonly maxGap: number;
  readonly recentIds: number;
  /** Close means within `maxGap` of one of the last `closeAmong` recent ids (default all). */
  readonly closeAmong?: number;
}

export type Observation = CounterObservation | DistinctObservation | SequenceObservation;

/**
 * The window's figures after the observation: counter → the sums; distinct → [estimate];
 * sequence → [close ids, new ids in the window, 1 if this id was close else 0].
 */
export type Reading = readonly number[];

/**
 * When a reading fires: any figure i at or above `atLeast[i]` (null: no threshold),
 * or figures[num] ≥ ratio × figures[den] once figures[den] ≥ minDen and figures[num] ≥ minNum. Plain numbers, so
 * the Redis script evaluates it in the same call that updates the window.
 */
export interface FireCondition {
  readonly atLeast: readonly (number | null)[];
  readonly ratio?: {
    readonly num: number;
    readonly den: number;
    readonly ratio: number;
    readonly minDen: number;
    /** And figures[num] ≥ minNum. */
    readonly minNum?: number;
  };
}

/** Where a record came from (Kafka topic-partition and offset), so it counts once. */
export interface RecordPosition {
  readonly stream: string;
  readonly offset: number;
}

/** One observation of one actor, with what decides whether it fires and what follows. */
export interface Step {
  readonly observation: Observation;
  readonly fire: FireCondition;
  readonly lockout: LockoutPolicy;
  /** Absent in replay; from Kafka, a redelivered record (offset seen before) changes nothing. */
  readonly position?: RecordPosition;
}

export interface StepResult {
  readonly reading: Reading;
  /** False for a record applied before (redelivery after a crash or rebalance). */
  readonly applied: boolean;
  /** Present when the reading fired: the claim of a lockout, granted or not. */
  readonly claim?: ClaimResult;
}

/**
 * A lockout the store granted and that is not yet confirmed as published. The store
 * returns it again, with every later batch touching the same actor, until `confirm`:
 * a crash between granting and publishing loses no lockout and changes no id.
 */
export interface PendingLockout {
  readonly key: WindowKey;
  readonly eventTs: number;
  readonly offence: number;
  readonly ttlMs: number;
  readonly reading: Reading;
  /** The triggering record's position: tells whether its batch was committed. */
  readonly position?: RecordPosition;
}

/** Identifies a pending lockout within its actor, in both stores (the same fields as the lockout id). */
export function pendingId(lockout: PendingLockout): string {
  return `${lockout.key.rule}|${lockout.eventTs}|${lockout.offence}`;
}

export interface ApplyResult {
  readonly results: StepResult[];
  /**
   * Lockouts granted by earlier batches and never confirmed (recovered after a crash),
   * in no particular order (the Redis store's outbox is a hash).
   */
  readonly recovered: PendingLockout[];
}

/**
 * An operator lifted a subject's lockouts (the admin API): its state follows, so a
 * wrong lockout is not re-granted from stale state and a right one can be re-earned.
 *
 * What a store does (both alike, held by the contract suite):
 *  - every window of the actor goes, whatever rules are named: the Redis store names a
 *    window by an HMAC of rule and route (keys.ts), so it cannot pick one rule's windows
 *    without knowing its routes. The price: the actor's other rules start counting
 *    afresh, at most one window of detection of a subject an operator just looked at;
 *    their lockouts and offences stay. Applied positions stay (redelivery unchanged);
 *  - the lifted rules' offences go (escalation restarts at offence 1: see
 *    decide/policy.ts liftedState), and so do their granted, unconfirmed lockouts, which
 *    would otherwise be published again after the lift;
 *  - until `graceUntilMs` (event time) a firing reading of a lifted rule is refused
 *    with `grace: true`. The marker is written even for a subject never seen (a manual
 *    lockout's subject), so the grace holds for it too. With no grace (`graceUntilMs`
 *    the lift's time) it refuses only claims of events older than the lift.
 */
export interface LiftRequest {
  readonly scope: Scope;
  readonly subject: string;
  /** The rules whose lockout and windows are cleared; undefined: every rule. */
  readonly rules?: readonly string[];
  /**
   * Until this time (ms, compared with event time, which live is about the wall clock)
   * none of these rules grants a lockout of this subject again. `nowMs` for no grace.
   */
  readonly graceUntilMs: number;
}

/** Where a lift of every rule keeps its grace, beside the rules' own (not a valid rule id). */
export const EVERY_RULE = '*';

export interface WindowStore {
  /** Applies the steps in order; granted lockouts stay pending until confirmed. */
  apply(steps: readonly Step[]): Promise<ApplyResult>;
  /** The lockouts are published: forget them as pending. */
  confirm(lockouts: readonly PendingLockout[]): Promise<void>;
  /** An operator lifted the subject's lockouts: see LiftRequest. Atomic. */
  lift(request: LiftRequest): Promise<void>;
  close(): Promise<void>;
}
