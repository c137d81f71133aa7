// What a batch did, counted for the metrics (the service) and the summary (replay):
// kept apart from the batch's output, and filled only by a caller who passes one.
// The pipeline writes it only once the store has answered, so a batch that the store
// refused and that is run again counts once.
import type { CompiledRule } from '../rules/compile.js';
import type { Mode } from '../vocabulary/scope.js';
import type { StepResult } from '../window/store.js';
import type { ObservedBatch } from './observe.js';

/** One rule's work. */
export interface RuleActivity {
  readonly rule: string;
  readonly mode: Mode;
  /** Windows updated and evaluated (redeliveries left out: they changed nothing). */
  evaluations: number;
  /** Evaluations whose fire condition held: a lockout granted, or suppressed. */
  hits: number;
  /** Hits on actors already locked out by this rule. */
  suppressed: number;
  /** Hits refused within the grace period of an operator's lift (not in `suppressed`). */
  graced: number;
}

export class BatchTally {
  /** Events dropped because their client, user, session or route is allowlisted. */
  allowlisted = 0;
  /** Events of known crawler networks on public routes, counted by no rule. */
  crawlers = 0;
  /** Rule × actor windows updated. */
  observations = 0;
  /** Observations of records applied before (redelivered): they changed nothing. */
  redelivered = 0;
  /** Findings for actors already locked out by the same rule (not announced again). */
  suppressed = 0;
  /** Findings refused within the grace period of an operator's lift (not in `suppressed`). */
  graced = 0;
  private readonly activities = new Map<CompiledRule, RuleActivity>();

  /** The same, rule by rule: only rules a counted batch touched. */
  get byRule(): RuleActivity[] {
    return [...this.activities.values()];
  }

  /** The batch's events as observed: allowlisted ones, and steps made. */
  countObserved(batch: ObservedBatch): void {
    this.allowlisted += batch.allowlisted;
    this.crawlers += batch.crawlers;
    this.observations += batch.steps.length;
  }

  /** One store step's outcome, for the rule whose step it was. */
  countStep(rule: CompiledRule, result: StepResult): void {
    if (!result.applied) {
      this.redelivered += 1;
      return;
    }
    const activity = this.activityOf(rule);
    activity.evaluations += 1;
    if (!result.claim) return;
    activity.hits += 1;
    if (result.claim.granted) return;
    if (result.claim.grace) {
      this.graced += 1;
      activity.graced += 1;
      return;
    }
    this.suppressed += 1;
    activity.suppressed += 1;
  }

  private activityOf(rule: CompiledRule): RuleActivity {
    let activity = this.activities.get(rule);
    if (activity === undefined) {
      const { id, mode } = rule.rule;
      activity = { rule: id, mode, evaluations: 0, hits: 0, suppressed: 0, graced: 0 };
      this.activities.set(rule, activity);
    }
    return activity;
  }
}
