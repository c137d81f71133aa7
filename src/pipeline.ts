// One batch of access events through every stage of the engine:
//   normalize → allowlist → match rules → observe windows → evaluate → claim → lockouts.
// The same code serves replay (memory store), rule tests and the streaming service
// (Redis store); it does no I/O of its own besides the two store calls per batch.
import type { AccessEvent } from './event/index.js';
import { explain, type Verdict } from './detect/index.js';
import { lockoutCommand } from './decide/command.js';
import type { LockoutCommand } from './decide/lockout.js';
import { actorIp, type NormalizedEvent, normalizeEvent } from './normalize/index.js';
import type { CompiledRule, CompiledRuleSet } from './rules/compile.js';
import type { Mode, Scope } from './vocabulary/scope.js';
import type { ClaimResult } from './decide/policy.js';
import type {
  Observation,
  PendingLockout,
  Reading,
  RecordPosition,
  Step,
  WindowKey,
  WindowStore,
} from './window/store.js';

export interface BatchResult {
  /** New lockouts, and lockouts recovered from a batch that crashed before publishing. */
  readonly lockouts: LockoutCommand[];
  /** To hand back to `confirm` once the lockouts are published. */
  readonly toConfirm: PendingLockout[];
  /** Events dropped because their client, user, session or route is allowlisted. */
  readonly allowlisted: number;
  /** Rule × actor windows updated. */
  readonly observations: number;
  /** Observations of records applied before (redelivered): they changed nothing. */
  readonly redelivered: number;
  /** Findings for actors already locked out by the same rule (not announced again). */
  readonly suppressed: number;
  /** The same, rule by rule (for the metrics): only rules this batch touched. */
  readonly byRule: readonly RuleActivity[];
}

/** One rule's work in a batch. */
export interface RuleActivity {
  readonly rule: string;
  readonly mode: Mode;
  /** Windows updated and evaluated (redeliveries left out: they changed nothing). */
  evaluations: number;
  /** Evaluations whose fire condition held: a lockout granted, or suppressed. */
  hits: number;
  /** Hits on actors already locked out by this rule. */
  suppressed: number;
}

/** What `--explain` shows: one rule's view of one event of one actor. */
export interface TraceEntry {
  readonly event: NormalizedEvent;
  readonly key: WindowKey;
  readonly reading: Reading;
  readonly verdict: Verdict;
}

export interface PipelineOptions {
  /** Wall-clock time of publication for a command triggered at `eventTs`. */
  readonly issuedAt?: (eventTs: number) => number;
  /** Called for every reading (costly: for `--explain` and tests only). */
  readonly trace?: (entry: TraceEntry) => void;
}

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

interface StepOwner {
  readonly rule: CompiledRule;
  readonly event: NormalizedEvent;
}

export class DetectionPipeline {
  constructor(
    private ruleSet: CompiledRuleSet,
    private readonly store: WindowStore,
    private readonly options: PipelineOptions = {},
  ) {}

  /** Swaps the rules (hot reload); windows of rules that stay keep their state. */
  replaceRules(ruleSet: CompiledRuleSet): void {
    this.ruleSet = ruleSet;
  }

  get rules(): CompiledRuleSet {
    return this.ruleSet;
  }

  /**
   * Runs a batch. `positions[i]` is where events[i] came from (Kafka); with it, a
   * redelivered record changes nothing. Call `confirm` once the lockouts are published.
   */
  async process(
    events: readonly AccessEvent[],
    positions?: readonly (RecordPosition | undefined)[],
  ): Promise<BatchResult> {
    const { steps, owners, allowlisted } = this.stepsOf(events, positions);
    const { results, recovered } =
      steps.length > 0 ? await this.store.apply(steps) : { results: [], recovered: [] };
    const issuedAt = this.options.issuedAt ?? (() => Date.now());
    const { republish, published } = sortRecovered(recovered, positions);
    const toAnnounce: PendingLockout[] = [...republish];
    let suppressed = 0;
    let redelivered = 0;
    const byRule = new Map<CompiledRule, RuleActivity>();
    results.forEach((result, i) => {
      const { observation, position } = steps[i]!;
      const owner = owners[i]!;
      this.trace(owner, observation.key, result.reading);
      if (!result.applied) {
        redelivered += 1;
        return;
      }
      const activity = activityOf(byRule, owner.rule);
      activity.evaluations += 1;
      if (!result.claim) return;
      activity.hits += 1;
      if (!result.claim.granted) {
        suppressed += 1;
        activity.suppressed += 1;
      } else toAnnounce.push(grantedLockout(observation, position, result.claim, result.reading));
    });
    const toConfirm = [...toAnnounce, ...published];
    const lockouts = toAnnounce.flatMap((lockout) => {
      const rule = this.ruleSet.rules.find((r) => r.rule.id === lockout.key.rule);
      // A lockout recovered for a rule that a reload has since removed is dropped.
      return rule ? [lockoutCommand(rule, lockout, issuedAt(lockout.eventTs))] : [];
    });
    return {
      lockouts,
      toConfirm,
      allowlisted,
      observations: steps.length,
      redelivered,
      suppressed,
      byRule: [...byRule.values()],
    };
  }

  /** The batch's lockouts are published: the store forgets them as pending. */
  async confirm(result: BatchResult): Promise<void> {
    if (result.toConfirm.length > 0) await this.store.confirm(result.toConfirm);
  }

  private trace(owner: StepOwner, key: WindowKey, reading: Reading): void {
    if (!this.options.trace) return;
    this.options.trace({
      event: owner.event,
      key,
      reading,
      verdict: explain(owner.rule.detector, reading, key),
    });
  }

  private stepsOf(
    events: readonly AccessEvent[],
    positions?: readonly (RecordPosition | undefined)[],
  ) {
    const steps: Step[] = [];
    const owners: StepOwner[] = [];
    let allowlisted = 0;
    const { rules, allowlist } = this.ruleSet;
    events.forEach((raw, index) => {
      const event = normalizeEvent(raw);
      if (allowlist.allows(event)) {
        allowlisted += 1;
        return;
      }
      const position = positions?.[index];
      for (const rule of rules) {
        if (!rule.matches(event)) continue;
        for (const scope of rule.rule.key) {
          const subject = subjectOf(event, scope, rule.rule.ipv6Prefix);
          if (subject === undefined) continue;
          const base = { rule: rule.rule.id, scope, subject };
          const observation = rule.detector.observe(event, rule.detector.windowKey(event, base));
          steps.push({
            observation,
            fire: rule.fire,
            lockout: rule.lockout,
            ...(position && { position }),
          });
          owners.push({ rule, event });
        }
      }
    });
    return { steps, owners, allowlisted };
  }
}

function activityOf(byRule: Map<CompiledRule, RuleActivity>, rule: CompiledRule): RuleActivity {
  let activity = byRule.get(rule);
  if (activity === undefined) {
    const { id, mode } = rule.rule;
    activity = { rule: id, mode, evaluations: 0, hits: 0, suppressed: 0 };
    byRule.set(rule, activity);
  }
  return activity;
}

function grantedLockout(
  observation: Observation,
  position: RecordPosition | undefined,
  claim: ClaimResult,
  reading: Reading,
): PendingLockout {
  return {
    key: observation.key,
    eventTs: observation.ts,
    offence: claim.offence,
    ttlMs: claim.ttlMs,
    reading,
    ...(position && { position }),
  };
}

/**
 * Lockouts the store still holds as pending, granted by a batch that did not finish.
 * Commit follows publication, so a batch whose offsets are committed had published
 * its lockouts: a pending lockout triggered before this batch's first offset on the
 * same stream was published (confirm it, say nothing); one at or after it belongs to
 * a batch being redelivered now (announce it again, with its original id). One from
 * another stream waits for that stream's batch.
 */
export function sortRecovered(
  recovered: readonly PendingLockout[],
  positions: readonly (RecordPosition | undefined)[] | undefined,
): { republish: PendingLockout[]; published: PendingLockout[] } {
  const firstOffsets = new Map<string, number>();
  for (const position of positions ?? []) {
    if (!position) continue;
    const first = firstOffsets.get(position.stream);
    if (first === undefined || position.offset < first)
      firstOffsets.set(position.stream, position.offset);
  }
  const republish: PendingLockout[] = [];
  const published: PendingLockout[] = [];
  for (const lockout of recovered) {
    if (!lockout.position) {
      republish.push(lockout);
      continue;
    }
    const first = firstOffsets.get(lockout.position.stream);
    if (first === undefined) continue;
    (lockout.position.offset >= first ? republish : published).push(lockout);
  }
  return { republish, published };
}
