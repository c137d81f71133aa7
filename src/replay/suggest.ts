// `rules suggest`: thresholds drawn from the site's own traffic. The log is replayed
// through the same engine as `replay` with every rule's fire condition taken out of
// the way (NEVER_FIRES: no claim, no lockout, so an actor's windows keep counting as
// the live detector's would up to its first lockout and beyond), and each reading the
// store gives back is read for the figures the rule's thresholds are compared with
// (tuned-figures.ts). Each actor keeps its peak per figure; at the end the peaks give
// the distribution, the lockouts each candidate threshold would have made, and the
// suggestion (peak-stats.ts).
//
// The hook is the store's answer (replay's `onApplied`): the pipeline and the stores
// are unchanged, and the figures are read only here, never on the detector's path.
//
// Memory: one record per actor holding every rule's peaks (and a peak per actor and
// route for the id-scan rules), for the whole log — the exact peaks, so percentiles and counts are exact.
// Bounded by `maxActors` entries in all; above it the run stops with
// SUGGEST_TOO_MANY_ACTORS (split the log by time, or raise the bound).
import { ExfilguardError } from '../vocabulary/errors.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { NEVER_FIRES, type ApplyResult, type Step } from '../window/store.js';
import { PeakTable, seenBy, type RuleSlot } from './peak-table.js';
import { replay, type ReplayOptions, type ReplaySummary } from './replay.js';
import {
  candidateThresholds,
  distributionOf,
  lockedAt,
  suggestThreshold,
  type Distribution,
  type Suggestion,
} from './peak-stats.js';
import {
  tunedFigures,
  type FigureUnit,
  type RuleFigures,
  type TunedFigure,
} from './tuned-figures.js';

/** About 300 bytes each: 2,000,000 entries hold in ~600 MB beside the replay's windows. */
export const DEFAULT_MAX_ACTORS = 2_000_000;
/** Routes listed per id-scan rule, the most actors first. */
const ROUTES_SHOWN = 10;

export interface SuggestOptions extends Omit<ReplayOptions, 'rules'> {
  /** The rules in force (the operator's overrides applied). */
  readonly rules: CompiledRuleSet;
  /** The shipped value of each rule's fields, by rule id: the floor of a suggestion. */
  readonly shipped: ReadonlyMap<string, RuleFigures>;
  readonly margin: number;
  readonly allowLower: boolean;
  /** Actor (and actor × route) peaks kept at most. */
  readonly maxActors: number;
}

export interface CandidateCount {
  readonly threshold: number;
  readonly locked: number;
}

export interface FigureReport {
  readonly field: string;
  readonly unit: FigureUnit;
  readonly inForce: number;
  readonly shipped: number;
  readonly distribution: Distribution;
  readonly suggestion: Suggestion;
  readonly candidates: readonly CandidateCount[];
}

export interface RouteReport {
  readonly route: string;
  readonly distribution: Distribution;
}

export type RuleReport =
  | {
      readonly rule: string;
      readonly owner: 'actor' | 'route';
      readonly figures: readonly FigureReport[];
      /** The busiest routes (enumeration), its first figure's distribution on each. */
      readonly routes: readonly RouteReport[];
      readonly routesTotal: number;
    }
  | { readonly rule: string; readonly untuned: string };

export interface SuggestResult {
  readonly rules: readonly RuleReport[];
  readonly replay: ReplaySummary;
}

type Tuned = Extract<RuleFigures, { figures: unknown }>;

/** A tuned rule and where its figures sit in the actors' records. */
export interface TunedRule {
  readonly tuned: Tuned;
  readonly slot: RuleSlot;
}

/** Every reading's figures into each actor's peaks. */
export class PeakTracker {
  readonly rules = new Map<string, TunedRule>();
  readonly table: PeakTable;

  constructor(
    figures: readonly RuleFigures[],
    private readonly maxEntries: number,
  ) {
    let offset = 0;
    for (const tuned of figures) {
      if (!('figures' in tuned)) continue;
      this.rules.set(tuned.rule, {
        tuned,
        slot: { offset, figures: tuned.figures, byRoute: tuned.byRoute },
      });
      offset += tuned.figures.length;
    }
    this.table = new PeakTable(offset);
  }

  /** For replay's `onApplied`: `result.results[i]` answers `steps[i]`. */
  readonly record = (steps: readonly Step[], result: ApplyResult): void => {
    for (let i = 0; i < steps.length; i += 1) {
      const { key } = steps[i]!.observation;
      const rule = this.rules.get(key.rule);
      // A sweep's participants' own windows are not its figure: the route's is.
      if (!rule || (rule.tuned.owner === 'route') !== (key.scope === 'route')) continue;
      this.table.raise(rule.slot, key.scope, key.subject, key.route, result.results[i]!.reading);
    }
    if (this.table.size > this.maxEntries) {
      throw new ExfilguardError(
        'SUGGEST_TOO_MANY_ACTORS',
        `rules suggest: more than ${this.maxEntries} actor peaks (actors, and actors × routes ` +
          'for the id-scan rules) to keep: suggest keeps each one for the whole log. Split the ' +
          'log by time, or raise --max-actors (about 300 bytes each; raise the heap with ' +
          'NODE_OPTIONS=--max-old-space-size too)',
      );
    }
  };
}

/**
 * Who the rules in force lock on this log: the actors one of whose figures reached its
 * value in force (each figure holds the rule's other conditions), and the routes an
 * id-scan rule locked some actor on (that walk fed the route's sweep window, so a
 * route's figure is no honest reading either).
 */
export function lockedOnLog(tracker: PeakTracker): Locked {
  const actorRules = [...tracker.rules.values()].filter((r) => r.tuned.owner === 'actor');
  const actors = new Set<readonly number[]>();
  tracker.table.forEach((_actor, record, scope) => {
    if (scope === 'route') return;
    const locks = ({ slot }: TunedRule) =>
      seenBy(slot, record) && slot.figures.some((f, i) => record[slot.offset + i]! >= f.inForce);
    if (actorRules.some(locks)) actors.add(record);
  });
  const routes = new Set<string>();
  for (const [slot, byRoute] of tracker.table.routes) {
    const { inForce } = slot.figures[0]!;
    for (const [route, onRoute] of byRoute) {
      for (const peak of onRoute.values()) {
        if (peak >= inForce) {
          routes.add(route);
          break;
        }
      }
    }
  }
  return { actors, routes };
}

export interface Locked {
  /** The records of the actors locked. */
  readonly actors: ReadonlySet<readonly number[]>;
  readonly routes: ReadonlySet<string>;
}

/** The figure's peaks, ascending: every actor's, and those of the actors no rule locks. */
export function figurePeaks(
  tracker: PeakTracker,
  { tuned, slot }: TunedRule,
  f: number,
  locked: Locked,
): { sorted: Float64Array; learnable: Float64Array } {
  const all: number[] = [];
  const learnable: number[] = [];
  const { inForce } = tuned.figures[f]!;
  const byRoute = tuned.owner === 'route';
  tracker.table.forEach((_actor, record, scope, subject) => {
    if ((scope === 'route') !== byRoute || !seenBy(slot, record)) return;
    const value = record[slot.offset + f]!;
    all.push(value);
    const lockedHere = byRoute
      ? value >= inForce || locked.routes.has(subject)
      : locked.actors.has(record);
    if (!lockedHere) learnable.push(value);
  });
  return { sorted: new Float64Array(all).sort(), learnable: new Float64Array(learnable).sort() };
}

/** The busiest routes of an id-scan rule (the most actors first), the first figure's distribution on each. */
function busiestRoutes(tracker: PeakTracker, slot: RuleSlot): RouteReport[] {
  const byRoute = tracker.table.routes.get(slot) ?? new Map<string, Map<number[], number>>();
  return [...byRoute.entries()]
    .sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))
    .slice(0, ROUTES_SHOWN)
    .map(([route, actors]) => ({
      route,
      distribution: distributionOf(new Float64Array(actors.values()).sort()),
    }));
}

/**
 * The rules with every fire condition out of the way: readings, never lockouts. The
 * rules not tuned from traffic are left out (hostile-address: with no lockout it is
 * fed nothing, and its count of each address's identities would be a step per event
 * for nothing); no other rule reads their windows.
 */
export function withoutThresholds(
  rules: CompiledRuleSet,
  tuned: ReadonlySet<string>,
): CompiledRuleSet {
  const kept = rules.rules.filter((rule) => tuned.has(rule.rule.id));
  return { ...rules, rules: kept.map((rule) => ({ ...rule, fire: NEVER_FIRES })) };
}

export async function suggest(
  options: SuggestOptions,
  onProgress?: (fraction: number) => void,
): Promise<SuggestResult> {
  const figures = options.rules.rules.map(tunedFigures);
  const tracker = new PeakTracker(figures, options.maxActors);
  const summary = await replay(
    {
      ...options,
      rules: withoutThresholds(
        options.rules,
        new Set(figures.filter((f) => 'figures' in f).map((f) => f.rule)),
      ),
    },
    {
      onLockout: () => {},
      onApplied: tracker.record,
      ...(onProgress && { onProgress }),
    },
  );
  const locked = lockedOnLog(tracker);
  const rules = figures.map((tuned): RuleReport => {
    const rule = tracker.rules.get(tuned.rule);
    if (!rule) return { rule: tuned.rule, untuned: 'untuned' in tuned ? tuned.untuned : '' };
    const shipped = options.shipped.get(tuned.rule);
    const { owner } = rule.tuned;
    return {
      rule: tuned.rule,
      owner,
      figures: rule.tuned.figures.map((figure, f) =>
        figureReport(
          figure,
          figurePeaks(tracker, rule, f, locked),
          shippedValue(shipped, figure),
          options,
          owner === 'route' ? 'routes' : 'actors',
        ),
      ),
      routes: busiestRoutes(tracker, rule.slot),
      routesTotal: tracker.table.routes.get(rule.slot)?.size ?? 0,
    };
  });
  return { rules, replay: summary };
}

/** The field's shipped value; the value in force for a rule (or field) that does not ship. */
function shippedValue(shipped: RuleFigures | undefined, figure: TunedFigure): number {
  const same =
    shipped && 'figures' in shipped
      ? shipped.figures.find((f) => f.field === figure.field)
      : undefined;
  return same?.inForce ?? figure.inForce;
}

function figureReport(
  figure: TunedFigure,
  { sorted, learnable }: { sorted: Float64Array; learnable: Float64Array },
  shipped: number,
  options: Pick<SuggestOptions, 'margin' | 'allowLower'>,
  whom: string,
): FigureReport {
  const { field, unit, inForce } = figure;
  const { margin, allowLower } = options;
  const suggestion = suggestThreshold({
    sorted,
    learnable,
    unit,
    inForce,
    shipped,
    margin,
    allowLower,
    whom,
  });
  const candidates = candidateThresholds(unit, inForce, shipped, suggestion.value).map(
    (threshold) => ({ threshold, locked: lockedAt(sorted, threshold) }),
  );
  return {
    field,
    unit,
    inForce,
    shipped,
    distribution: distributionOf(sorted),
    suggestion,
    candidates,
  };
}
