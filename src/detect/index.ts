// The detectors by kind: the one place that maps a rule's `detect.kind` to code.
import type { NormalizedEvent } from '../normalize/index.js';
import type { CompiledRule } from '../rules/compile.js';
import type { Rule } from '../rules/schema.js';
import { firesOn } from '../window/arithmetic.js';
import type { FireCondition, Observation, Reading, WindowKey } from '../window/store.js';
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
type AnyDetector = Detector<Rule['detect']['kind']>;

function detectorFor(rule: Rule): AnyDetector {
  return DETECTORS[rule.detect.kind] as unknown as AnyDetector;
}

/** Compiled once per rule at load. */
export function fireConditionOf(rule: Rule): FireCondition {
  return detectorFor(rule).fireCondition(rule.detect);
}

export function observe(event: NormalizedEvent, rule: CompiledRule, base: WindowKey): Observation {
  const detector = detectorFor(rule.rule);
  return detector.observe(event, rule, rule.rule.detect, detector.windowKey(event, base));
}

/** The verdict with its figures and sentence: for lockouts and `--explain`. */
export function explain(rule: CompiledRule, reading: Reading, key: WindowKey): Verdict {
  const described = detectorFor(rule.rule).describe(rule, rule.rule.detect, reading, key);
  return { fired: firesOn(rule.fire, reading), ...described };
}
