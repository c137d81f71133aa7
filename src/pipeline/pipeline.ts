// One batch through every stage of the engine, as in DESIGN.md's data path:
//   AccessEvent → normalize, allowlist → NormalizedEvent → match rules → Observation
//   → window store (update, fire condition, lockout claim) → Reading
//   → granted lockout → Finding → LockoutCommand
// The same code serves replay (memory store), rule tests and the streaming service
// (Redis store); it does no I/O of its own besides the two store calls per batch.
import type { AccessEvent } from '../event/index.js';
import type { LockoutCommand } from '../decide/lockout.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import {
  pendingId,
  type ApplyResult,
  type PendingLockout,
  type RecordPosition,
  type Step,
  type WindowStore,
} from '../window/store.js';
import {
  baseStream,
  identityReadings,
  lockedIdentitySteps,
  participantSteps,
} from './follow-up.js';
import { commandsOf, findingsOf } from './findings.js';
import { observeBatch, type ObservedBatch, type RuleStep } from './observe.js';
import { grantedLockouts, type Granted, type Trace } from './readings.js';
import { sortRecovered } from './recovered.js';
import type { BatchTally } from './tally.js';

/** What a batch gives: what to publish, and what to confirm once it is published. */
export interface BatchOutput {
  /** New lockouts, and lockouts recovered from a batch that crashed before publishing. */
  readonly lockouts: LockoutCommand[];
  /** To hand back to `confirm` once the lockouts are published. */
  readonly toConfirm: PendingLockout[];
}

export interface PipelineOptions {
  /** Wall-clock time of publication for a command triggered at `eventTs`. */
  readonly issuedAt?: (eventTs: number) => number;
  /** Called for every reading (costly: for `--explain` and tests only). */
  readonly trace?: Trace;
}

const wallClock = (): number => Date.now();

export class DetectionPipeline {
  private readonly issuedAt: (eventTs: number) => number;

  constructor(
    private ruleSet: CompiledRuleSet,
    private readonly store: WindowStore,
    private readonly options: PipelineOptions = {},
  ) {
    this.issuedAt = options.issuedAt ?? wallClock;
  }

  /** Swaps the rules (hot reload); windows of rules that stay keep their state. */
  replaceRules(ruleSet: CompiledRuleSet): void {
    this.ruleSet = ruleSet;
  }

  get rules(): CompiledRuleSet {
    return this.ruleSet;
  }

  /**
   * Runs a batch. `positions[i]` is where events[i] came from (Kafka); with it, a
   * redelivered record changes nothing. A `tally` passed in is added what the batch
   * did (for metrics). Call `confirm` once the lockouts are published.
   */
  async process(
    events: readonly AccessEvent[],
    positions?: readonly (RecordPosition | undefined)[],
    tally?: BatchTally,
  ): Promise<BatchOutput> {
    const observed = observeBatch(events, positions, this.ruleSet);
    const { granted, recovered } = await this.applyAll(observed, tally);
    const { republish, published } = sortRecovered(recovered, positions);
    const toAnnounce = republish.length > 0 ? [...republish, ...granted] : granted;
    // The rules as they are now: a reload during the store call dropped a removed
    // rule, and its recovered lockouts are confirmed but no longer announced.
    const findings = findingsOf(toAnnounce, this.ruleSet.rules);
    return {
      lockouts: commandsOf(findings, this.issuedAt),
      toConfirm: published.length > 0 ? [...toAnnounce, ...published] : toAnnounce,
    };
  }

  /** The batch's lockouts are published: the store forgets them as pending. */
  async confirm(output: BatchOutput): Promise<void> {
    if (output.toConfirm.length > 0) await this.store.confirm(output.toConfirm);
  }

  /**
   * The batch's steps, then its follow-ups (follow-up.ts): sweep participants, then the
   * addresses behind locked sessions and users. The lockouts granted in event order
   * (the follow-ups' after the first call's of the same event), so batch cuts change
   * nothing; recovered lockouts once each (a later call finds the earlier's pending).
   */
  private async applyAll(
    observed: ObservedBatch,
    tally: BatchTally | undefined,
  ): Promise<{ granted: PendingLockout[]; recovered: PendingLockout[] }> {
    const { trace } = this.options;
    const first = await this.apply(observed.steps);
    tally?.countObserved(observed);
    const granted = grantedLockouts(observed.steps, first.results, tally, trace);
    const recovered = [...first.recovered];
    const round = async (steps: RuleStep[]): Promise<void> => {
      if (steps.length === 0) return;
      const { results, recovered: found } = await this.apply(steps);
      tally?.countObserved({ steps, allowlisted: 0, crawlers: 0 });
      granted.push(...grantedLockouts(steps, results, tally, trace));
      const known = new Set([...granted.map((g) => g.lockout), ...recovered].map(actorPendingId));
      recovered.push(...found.filter((lockout) => !known.has(actorPendingId(lockout))));
    };
    await round(participantSteps(observed.steps, first.results));
    // A redelivered record's lockout comes back recovered, not granted: it still feeds
    // the address behind it (a crash between two calls loses no follow-up; the
    // follow-up's own position makes a second feed a no-op).
    const feeding = [...granted, ...recoveredOfBatch(recovered, observed.steps)];
    // Read only when a lockout feeds an address: most batches grant none.
    const identities =
      feeding.length > 0 ? identityReadings(observed.steps, first.results) : new Map();
    await round(lockedIdentitySteps(feeding, this.ruleSet.rules, identities));
    // Stable: the first call's lockouts of an event before its follow-ups'.
    granted.sort((a, b) => a.step.at - b.step.at);
    return { granted: granted.map((g) => g.lockout), recovered };
  }

  private async apply(steps: readonly Step[]): Promise<ApplyResult> {
    return steps.length > 0 ? this.store.apply(steps) : { results: [], recovered: [] };
  }
}

/**
 * The recovered lockouts granted for one of this batch's steps (its record came again
 * after a crash), with the step: matched on rule, position and event time.
 */
function recoveredOfBatch(
  recovered: readonly PendingLockout[],
  steps: readonly RuleStep[],
): Granted[] {
  if (recovered.length === 0) return [];
  const out: Granted[] = [];
  for (const lockout of recovered) {
    const { position } = lockout;
    if (!position) continue;
    const step = steps.find(
      (s) =>
        s.position?.offset === position.offset &&
        s.position.stream === baseStream(position.stream) &&
        s.rule.rule.id === lockout.key.rule &&
        s.event.ts === lockout.eventTs,
    );
    if (step) out.push({ step, lockout });
  }
  return out;
}

/** A pending lockout's identity across actors. */
function actorPendingId(lockout: PendingLockout): string {
  return `${lockout.key.scope}:${lockout.key.subject}|${pendingId(lockout)}`;
}
