// What `rules suggest` measures of a rule: each threshold field of its `detect:` (the
// fields an override tunes) and, for a window's reading, the figure that field's
// threshold is compared with, the rule's other conditions held as they are in force.
// Read from the compiled fire condition (the numbers the store evaluates), so the
// figure is the one the store would have fired on: an actor whose peak figure is F
// is locked by any threshold at or below F, and by none above it.
//
// The fire condition's parts (window/store.ts FireCondition):
//  - `atLeast[i]`: figure i alone (rate, breadth, paging, volume without a gate);
//  - `ratio.minNum`: figure `num`, counted only while num ≥ ratio × den and
//    den ≥ minDen hold (enumeration's close ids at their share; volume's bytes once
//    minRequests answers are counted);
//  - `ratio.ratio`: num / den once den ≥ minDen (error ratio: errors / requests).
import type { DetectConfig, DetectKind } from '../detect/index.js';
import type { CompiledRule } from '../rules/compile.js';
import type { FireCondition, Reading } from '../window/store.js';

/** How a figure is written and rounded: a count, bytes ("20MB"), or a share of 1. */
export type FigureUnit = 'count' | 'bytes' | 'ratio';

export interface TunedFigure {
  /** The `detect:` field an override sets, e.g. `threshold`, `bytes`. */
  readonly field: string;
  readonly unit: FigureUnit;
  /** The field's value in force (after the operator's overrides). */
  readonly inForce: number;
  /** The reading's figure for this field's threshold; 0 while the other conditions do not hold. */
  readonly of: (reading: Reading) => number;
}

/** The tuned figures of one rule, or why it has none. */
export type RuleFigures =
  | {
      readonly rule: string;
      /** `actor`: one peak per actor (scope:subject); `route`: one per route (sweep). */
      readonly owner: 'actor' | 'route';
      /** Enumeration keeps a window per route of each actor: peaks are also given per route. */
      readonly byRoute: boolean;
      readonly figures: readonly TunedFigure[];
    }
  | { readonly rule: string; readonly untuned: string };

type Part = { readonly atLeast: number } | 'minNum' | 'ratio';
interface FieldPart {
  readonly field: string;
  readonly unit: FigureUnit;
  readonly part: Part;
}

/** Volume's figures are [requests, bytes, records]; a gated one sits in the ratio. */
function volumeParts(config: Record<string, unknown>, fire: FireCondition): FieldPart[] {
  const fields = [
    ['requests', 'count'],
    ['bytes', 'bytes'],
    ['records', 'count'],
  ] as const;
  return fields.flatMap(([field, unit], i) =>
    config[field] === undefined
      ? []
      : [
          {
            field,
            unit,
            part: (fire.atLeast[i] ?? null) !== null ? { atLeast: i } : ('minNum' as const),
          },
        ],
  );
}

/** Keyed by kind, so TypeScript refuses a new detector kind left out here. */
const PARTS: {
  readonly [K in DetectKind]:
    ((config: Record<string, unknown>, fire: FireCondition) => FieldPart[]) | string;
} = {
  enumeration: () => [{ field: 'threshold', unit: 'count', part: 'minNum' }],
  sweep: () => [{ field: 'threshold', unit: 'count', part: 'minNum' }],
  volume: volumeParts,
  breadth: () => [{ field: 'threshold', unit: 'count', part: { atLeast: 0 } }],
  rate: () => [{ field: 'threshold', unit: 'count', part: { atLeast: 0 } }],
  paging: (config) =>
    (['pages', 'records'] as const).flatMap((field, i) =>
      config[field] === undefined ? [] : [{ field, unit: 'count' as const, part: { atLeast: i } }],
    ),
  errorRatio: () => [{ field: 'ratio', unit: 'ratio', part: 'ratio' }],
  lockedIdentities:
    "fed by other rules' lockouts, not by traffic (no lockout is made while suggesting): tune it by hand",
};

export function tunedFigures(rule: CompiledRule): RuleFigures {
  const detect: DetectConfig = rule.rule.detect;
  const parts = PARTS[detect.kind];
  if (typeof parts === 'string') return { rule: rule.rule.id, untuned: parts };
  const { followUp } = rule.detector;
  const route = followUp?.owner === 'route';
  // A sweep's threshold is the route's (its participants fire at once).
  const fire = route ? followUp.sweepFire : rule.fire;
  return {
    rule: rule.rule.id,
    owner: route ? 'route' : 'actor',
    byRoute: detect.kind === 'enumeration',
    figures: parts(detect as Record<string, unknown>, fire).map((p) => figureOf(p, fire)),
  };
}

function figureOf({ field, unit, part }: FieldPart, fire: FireCondition): TunedFigure {
  if (typeof part === 'object') {
    const i = part.atLeast;
    return { field, unit, inForce: fire.atLeast[i]!, of: (reading) => reading[i] ?? 0 };
  }
  const ratio = fire.ratio!;
  const { num, den, minDen } = ratio;
  if (part === 'minNum') {
    return {
      field,
      unit,
      inForce: ratio.minNum ?? 0,
      of: (reading) => {
        const n = reading[num] ?? 0;
        const d = reading[den] ?? 0;
        return d >= minDen && n >= ratio.ratio * d ? n : 0;
      },
    };
  }
  const minNum = ratio.minNum ?? 0;
  return {
    field,
    unit,
    inForce: ratio.ratio,
    of: (reading) => {
      const n = reading[num] ?? 0;
      const d = reading[den] ?? 0;
      return d > 0 && d >= minDen && n >= minNum ? n / d : 0;
    },
  };
}
