// The detectors by kind: the one place that maps a rule's `detect.kind` to code, and
// detect's public surface (other folders import from here only). Each kind's file
// owns its config schema and compile step; the rule schema (rules/schema.ts) takes
// the union below as its `detect:` field.
import { z } from 'zod';
import { firesOn } from '../window/arithmetic.js';
import type { Reading, WindowKey } from '../window/store.js';
import { breadthConfig, compileBreadth } from './breadth.js';
import type { CompileContext, CompileDetector, CompiledDetector, Verdict } from './detector.js';
import { compileEnumeration, enumerationConfig } from './enumeration.js';
import { compileErrorRatio, errorRatioConfig } from './error-ratio.js';
import { compilePaging, pagingConfig } from './paging.js';
import { compileRate, rateConfig } from './rate.js';
import { compileVolume, volumeConfig } from './volume.js';
import { compileSweep, sweepConfig } from './sweep.js';
import { compileLockedIdentities, lockedIdentitiesConfig } from './locked-identities.js';

export type {
  CompileContext,
  CompiledDetector,
  EventNeeds,
  LockoutFollowUp,
  RouteFollowUp,
  Verdict,
} from './detector.js';
export { IDENTITIES } from './detector.js';
export { bitmapBits } from './breadth.js';
export { numberAsServersRead, PAGING_DEFAULTS } from './paging.js';
export { DistinctHash, type DerivedBreadthKey } from './distinct-hash.js';

/** A rule's `detect:` field. The order of the kinds is the order error messages list them in. */
export const detectSchema = z.discriminatedUnion('kind', [
  enumerationConfig,
  volumeConfig,
  breadthConfig,
  rateConfig,
  errorRatioConfig,
  pagingConfig,
  sweepConfig,
  lockedIdentitiesConfig,
]);
export type DetectConfig = z.infer<typeof detectSchema>;
export type DetectKind = DetectConfig['kind'];

/** Keyed by kind, so TypeScript refuses a kind of the union left out here. */
const COMPILERS: {
  readonly [K in DetectKind]: CompileDetector<Extract<DetectConfig, { kind: K }>>;
} = {
  enumeration: compileEnumeration,
  volume: compileVolume,
  breadth: compileBreadth,
  rate: compileRate,
  errorRatio: compileErrorRatio,
  paging: compilePaging,
  sweep: compileSweep,
  lockedIdentities: compileLockedIdentities,
};

/** Once per rule, at load. */
export function compileDetector(config: DetectConfig, context: CompileContext): CompiledDetector {
  // The table is keyed by kind, so the entry takes this config's type; the cast only
  // tells TypeScript what the lookup guarantees.
  const compile = COMPILERS[config.kind] as CompileDetector<DetectConfig>;
  return compile(config, context);
}

/** The verdict with its figures and sentence: for lockouts and `--explain`. */
export function explain(detector: CompiledDetector, reading: Reading, key: WindowKey): Verdict {
  // A route's reading fires when it shows a sweep; the rule's `fire` is its participants'.
  const { followUp } = detector;
  const fire =
    followUp?.owner === 'route' && key.scope === 'route' ? followUp.sweepFire : detector.fire;
  return { fired: firesOn(fire, reading), ...detector.describe(reading, key) };
}
