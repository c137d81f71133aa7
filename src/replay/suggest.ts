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
// Memory: one small array per actor and rule (and per actor and route for the id-scan
// rules), for the whole log — the exact peaks, so percentiles and counts are exact.
// Bounded by `maxActors` entries in all; above it the run stops with
// SUGGEST_TOO_MANY_ACTORS (split the log by time, or raise the bound).
import { ExfilguardError } from '../vocabulary/errors.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { NEVER_FIRES, type ApplyResult, type Step } from '../window/store.js';
import { PeakTable } from './peak-table.js';
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

/** About 150 bytes each: 2,000,000 entries hold in ~300 MB beside the replay's windows. */
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

export interface RulePeaks {
  readonly tuned: Tuned;
  /** Each actor's peaks (for a sweep: each route's). */
  readonly actors: PeakTable;
  /** Route → each actor's peak of the first figure on it (enumeration). */
  readonly routes: Map<string, PeakTable>;
}

/** Every reading's figures into each actor's peaks. */
export class PeakTracker {
  private readonly byRule = new Map<string, RulePeaks>();
  private entries = 0;

  constructor(
    figures: readonly RuleFigures[],
    private readonly maxEntries: number,
  ) {
    for (const tuned of figures) {
      if ('figures' in tuned) {
        const actors = new PeakTable(tuned.figures);
        this.byRule.set(tuned.rule, { tuned, actors, routes: new Map() });
      }
    }
  }

  /** For replay's `onApplied`: `result.results[i]` answers `steps[i]`. */
  readonly record = (steps: readonly Step[], result: ApplyResult): void => {
    for (let i = 0; i < steps.length; i += 1) {
      const { key } = steps[i]!.observation;
      const peaks = this.byRule.get(key.rule);
      // A sweep's participants' own windows are not its figure: the route's is.
      if (!peaks || (peaks.tuned.owner === 'route') !== (key.scope === 'route')) continue;
      const reading = result.results[i]!.reading;
      if (peaks.actors.raise(key.scope, key.subject, reading)) this.count();
      if (peaks.tuned.byRoute && key.route !== undefined) {
        let onRoute = peaks.routes.get(key.route);
        if (!onRoute) {
          onRoute = new PeakTable(peaks.tuned.figures.slice(0, 1));
          peaks.routes.set(key.route, onRoute);
        }
        if (onRoute.raise(key.scope, key.subject, reading)) this.count();
      }
    }
  };

  private count(): void {
    this.entries += 1;
    if (this.entries > this.maxEntries) {
      throw new ExfilguardError(
        'SUGGEST_TOO_MANY_ACTORS',
        `rules suggest: more than ${this.maxEntries} actor peaks (actors × rules, and × routes ` +
          'for the id-scan rules) to keep: suggest keeps each one for the whole log. Split the ' +
          'log by time, or raise --max-actors (about 150 bytes each; raise the heap with ' +
          'NODE_OPTIONS=--max-old-space-size too)',
      );
    }
  }

  /** The tuned rules' peaks, by rule id. */
  get rules(): ReadonlyMap<string, RulePeaks> {
    return this.byRule;
  }
}

/**
 * Who the rules in force lock on this log: the actors (`scope:subject`) one of whose
 * figures reached its value in force (each figure holds the rule's other conditions),
 * and the routes an id-scan rule locked some actor on (that walk fed the route's sweep
 * window, so a route's figure is no honest reading either).
 */
export function lockedOnLog(rules: Iterable<RulePeaks>): Locked {
  const actors = new Set<string>();
  const routes = new Set<string>();
  for (const { tuned, actors: peaksOf, routes: routePeaks } of rules) {
    if (tuned.owner !== 'actor') continue;
    for (const [actor, peaks] of peaksOf.entries()) {
      if (tuned.figures.some((figure, f) => peaks[f]! >= figure.inForce)) actors.add(actor);
    }
    const { inForce } = tuned.figures[0]!;
    for (const [route, onRoute] of routePeaks) {
      for (const [, [peak = 0]] of onRoute.entries()) {
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
  readonly actors: ReadonlySet<string>;
  readonly routes: ReadonlySet<string>;
}

/** The figure's peaks, ascending: every actor's, and those of the actors no rule locks. */
function figurePeaks(
  peaks: RulePeaks,
  f: number,
  locked: Locked,
): { sorted: Float64Array; learnable: Float64Array } {
  const learnable: number[] = [];
  const { inForce } = peaks.tuned.figures[f]!;
  for (const [actor, actorPeaks] of peaks.actors.entries()) {
    const value = actorPeaks[f]!;
    const lockedHere =
      peaks.tuned.owner === 'route'
        ? value >= inForce || locked.routes.has(actor)
        : locked.actors.has(actor);
    if (!lockedHere) learnable.push(value);
  }
  return { sorted: peaks.actors.sorted(f), learnable: new Float64Array(learnable).sort() };
}

/** The busiest routes of an id-scan rule (the most actors first), the first figure's distribution on each. */
function busiestRoutes(peaks: RulePeaks): RouteReport[] {
  return [...peaks.routes.entries()]
    .sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))
    .slice(0, ROUTES_SHOWN)
    .map(([route, actors]) => ({ route, distribution: distributionOf(actors.sorted(0)) }));
}

/** The rules with every fire condition out of the way: readings, never lockouts. */
export function withoutThresholds(rules: CompiledRuleSet): CompiledRuleSet {
  return { ...rules, rules: rules.rules.map((rule) => ({ ...rule, fire: NEVER_FIRES })) };
}

export async function suggest(
  options: SuggestOptions,
  onProgress?: (fraction: number) => void,
): Promise<SuggestResult> {
  const figures = options.rules.rules.map(tunedFigures);
  const tracker = new PeakTracker(figures, options.maxActors);
  const summary = await replay(
    { ...options, rules: withoutThresholds(options.rules) },
    {
      onLockout: () => {},
      onApplied: tracker.record,
      ...(onProgress && { onProgress }),
    },
  );
  const locked = lockedOnLog(tracker.rules.values());
  const rules = figures.map((tuned): RuleReport => {
    const peaks = tracker.rules.get(tuned.rule);
    if (!peaks) return { rule: tuned.rule, untuned: 'untuned' in tuned ? tuned.untuned : '' };
    const shipped = options.shipped.get(tuned.rule);
    return {
      rule: tuned.rule,
      owner: peaks.tuned.owner,
      figures: peaks.tuned.figures.map((figure, f) =>
        figureReport(
          figure,
          figurePeaks(peaks, f, locked),
          shippedValue(shipped, figure),
          options,
          peaks.tuned.owner === 'route' ? 'routes' : 'actors',
        ),
      ),
      routes: busiestRoutes(peaks),
      routesTotal: peaks.routes.size,
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
