// The detectors by kind: the one place that maps a rule's `detect.kind` to code.
import type { NormalizedEvent } from '../normalize/normalize.js';
import type { CompiledRule } from '../rules/compile.js';
import type { Observation, Reading, WindowKey } from '../window/store.js';
import { breadthDetector } from './breadth.js';
import type { Detector, Verdict } from './detector.js';
import { enumerationDetector } from './enumeration.js';
import { errorRatioDetector } from './error-ratio.js';
import { rateDetector } from './rate.js';
import { volumeDetector } from './volume.js';

export type { Verdict } from './detector.js';

const DETECTORS = {
  enumeration: enumerationDetector,
  volume: volumeDetector,
  breadth: breadthDetector,
  rate: rateDetector,
  errorRatio: errorRatioDetector,
} as const;

// The map is keyed by kind, so each detector receives its own config type; the casts
// below only tell TypeScript what the lookup guarantees.
type AnyDetector = Detector<CompiledRule['rule']['detect']['kind']>;

function detectorFor(rule: CompiledRule): AnyDetector {
  return DETECTORS[rule.rule.detect.kind] as unknown as AnyDetector;
}

export function observe(event: NormalizedEvent, rule: CompiledRule, base: WindowKey): Observation {
  const detector = detectorFor(rule);
  return detector.observe(event, rule, rule.rule.detect, detector.windowKey(event, base));
}

/** True when the reading crosses the rule's threshold. Allocates nothing. */
export function fires(rule: CompiledRule, reading: Reading): boolean {
  return detectorFor(rule).fires(rule.rule.detect, reading);
}

/** The verdict with its figures and sentence: for lockouts and `--explain`. */
export function explain(rule: CompiledRule, reading: Reading, key: WindowKey): Verdict {
  const detector = detectorFor(rule);
  const fired = detector.fires(rule.rule.detect, reading);
  return { fired, ...detector.describe(rule, rule.rule.detect, reading, key) };
}
