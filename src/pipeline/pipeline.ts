// One batch through every stage of the engine, as in DESIGN.md's data path:
//   AccessEvent → normalize, allowlist → NormalizedEvent → match rules → Observation
//   → window store (update, fire condition, lockout claim) → Reading
//   → granted lockout → Finding → LockoutCommand
// The same code serves replay (memory store), rule tests and the streaming service
// (Redis store); it does no I/O of its own besides the two store calls per batch.
import type { AccessEvent } from '../event/index.js';
import type { LockoutCommand } from '../decide/lockout.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import type {
  ApplyResult,
  PendingLockout,
  RecordPosition,
  Step,
  WindowStore,
} from '../window/store.js';
import { commandsOf, findingsOf } from './findings.js';
import { observeBatch } from './observe.js';
import { grantedLockouts, type Trace } from './readings.js';
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
    const { results, recovered } = await this.apply(observed.steps);
    tally?.countObserved(observed);
    const granted = grantedLockouts(observed.steps, results, tally, this.options.trace);
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

  private async apply(steps: readonly Step[]): Promise<ApplyResult> {
    return steps.length > 0 ? this.store.apply(steps) : { results: [], recovered: [] };
  }
}
