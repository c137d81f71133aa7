// After the store: Reading → the lockouts it granted. Every reading also goes to the
// caller's tally (metrics) and trace (`--explain`), when the caller asked for them.
import type { Verdict } from '../detect/index.js';
import type { ClaimResult } from '../decide/policy.js';
import type { NormalizedEvent } from '../normalize/index.js';
import { firesOn } from '../window/arithmetic.js';
import type { PendingLockout, Reading, StepResult, WindowKey } from '../window/store.js';
import { verdictOf } from './detection.js';
import type { RuleStep } from './observe.js';
import type { BatchTally } from './tally.js';

/** What `--explain` shows: one rule's view of one event of one actor. */
export interface TraceEntry {
  readonly event: NormalizedEvent;
  readonly key: WindowKey;
  readonly reading: Reading;
  readonly verdict: Verdict;
}

export type Trace = (entry: TraceEntry) => void;

/** A lockout the store granted, with the step that claimed it (follow-up.ts reads its event). */
export interface Granted {
  readonly lockout: PendingLockout;
  readonly step: RuleStep;
}

/** `results[i]` is the store's answer to `steps[i]`; the granted lockouts in step order. */
export function grantedLockouts(
  steps: readonly RuleStep[],
  results: readonly StepResult[],
  tally: BatchTally | undefined,
  trace: Trace | undefined,
): Granted[] {
  const granted: Granted[] = [];
  for (let i = 0; i < results.length; i += 1) {
    const step = steps[i]!;
    const result = results[i]!;
    if (trace) trace(traceEntryOf(step, result.reading));
    if (tally) tally.countStep(step.rule, result);
    const { claim } = result;
    if (result.applied && claim?.granted)
      granted.push({ lockout: pendingLockoutOf(step, claim, result.reading), step });
  }
  return granted;
}

function traceEntryOf({ rule, event, observation, fire }: RuleStep, reading: Reading): TraceEntry {
  const { key } = observation;
  const verdict = verdictOf(rule, reading, key);
  // The step's own condition: an address's identities never fire, and a lockout's step
  // on hostile-address carries the bar its identities set. A route's reading "fires"
  // while it shows a sweep (its steps never claim).
  if (key.scope === 'route') return { event, key, reading, verdict };
  return { event, key, reading, verdict: { ...verdict, fired: firesOn(fire, reading) } };
}

/** The lockout as the store keeps it pending until `confirm`. */
function pendingLockoutOf(
  { observation, position }: RuleStep,
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
