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
//  - forget a key's state once its window has passed with no observation.
import type { Scope } from '../rules/schema.js';

/** Whose window: one rule measuring one actor; enumeration also splits by route. */
export interface WindowKey {
  readonly rule: string;
  readonly scope: Scope;
  readonly subject: string;
  readonly route?: string;
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
 * in order, by stride, or shuffled within a range.
 */
export interface SequenceObservation {
  readonly kind: 'sequence';
  readonly key: WindowKey;
  readonly ts: number;
  readonly window: WindowShape;
  readonly id: number;
  readonly maxGap: number;
  readonly recentIds: number;
}

export type Observation = CounterObservation | DistinctObservation | SequenceObservation;

/**
 * The window's figures after the observation: counter → the sums; distinct → [estimate];
 * sequence → [close ids in the window].
 */
export type Reading = readonly number[];

export interface EscalationPolicy {
  readonly factor: number;
  readonly maxTtlMs: number;
  readonly forgetAfterMs: number;
}

/** A rule fired for an actor at `ts`: lock it out, unless it is locked already. */
export interface LockoutClaim {
  readonly rule: string;
  readonly scope: Scope;
  readonly subject: string;
  readonly ts: number;
  readonly ttlMs: number;
  readonly escalation?: EscalationPolicy;
}

export interface ClaimResult {
  /** False when the actor is still locked out by this rule: nothing new to announce. */
  readonly granted: boolean;
  /** Offences of this actor against this rule, this one included. */
  readonly offence: number;
  readonly ttlMs: number;
  /** Event time until which the lockout holds. */
  readonly lockedUntil: number;
}

export interface WindowStore {
  observe(observations: readonly Observation[]): Promise<Reading[]>;
  claimLockouts(claims: readonly LockoutClaim[]): Promise<ClaimResult[]>;
  close(): Promise<void>;
}
