// The pipeline's only two calls into the detectors, one function each: an event into
// the rule's window (observation), and a reading back into figures and a sentence.
import { explain, type Verdict } from '../detect/index.js';
import type { NormalizedEvent } from '../normalize/index.js';
import type { CompiledRule } from '../rules/compile.js';
import type { Observation, Reading, WindowKey } from '../window/store.js';

/** NormalizedEvent → Observation of the actor's window `base` (the detector may refine the key). */
export function observationOf(
  event: NormalizedEvent,
  rule: CompiledRule,
  base: WindowKey,
): Observation {
  return rule.detector.observe(event, rule.detector.windowKey(event, base));
}

/** Reading → Verdict: built only for a granted lockout or a trace (it formats a sentence). */
export function verdictOf(rule: CompiledRule, reading: Reading, key: WindowKey): Verdict {
  return explain(rule.detector, reading, key);
}
