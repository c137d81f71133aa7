// What `rules suggest` prints for people (the distributions, the lockouts per candidate
// threshold, the suggestion and why), and the override file it writes: one `kind:
// override` document per rule (overrides are per rule), holding the suggested value of
// each threshold field, laid over the operator's own override of that rule when there is
// one, so the file replaces it without losing its other settings.
import { stringify } from 'yaml';
import { formatSize } from '../vocabulary/units.js';
import type { FigureUnit } from './tuned-figures.js';
import { formatFigure, type Distribution } from './peak-stats.js';
import type { FigureReport, RuleReport, SuggestResult } from './suggest.js';

/** The margin rule, as the report and the override file state it. */
export function marginRule(margin: number, allowLower: boolean): string {
  const floor = allowLower
    ? 'at least the smallest value the field takes (--allow-lower)'
    : 'never below the shipped value';
  return (
    `suggested = p99.9 of the actors that no rule in force locks on the log × ${margin}, ` +
    `rounded up, ${floor}`
  );
}

function distributionLine(d: Distribution, unit: FigureUnit): string {
  const f = (v: number) => formatFigure(v, unit);
  return `p50 ${f(d.p50)}  p99 ${f(d.p99)}  p99.9 ${f(d.p999)}  max ${f(d.max)}`;
}

function figureLines(figure: FigureReport, whom: string): string[] {
  const { field, unit, inForce, shipped, distribution, suggestion } = figure;
  const f = (v: number) => formatFigure(v, unit);
  const lines = [
    `  ${field}: in force ${f(inForce)}${shipped === inForce ? '' : `, shipped ${f(shipped)}`}`,
    `    peaks of ${distribution.actors.toLocaleString('en-US')} ${whom}: ${distributionLine(distribution, unit)}`,
    `    at or above the value in force: ${suggestion.lockedInForce} (the rule's lockouts on this log); ` +
      `learnt from the ${suggestion.learntFrom.toLocaleString('en-US')} that no rule in force locks`,
    `    suggested ${f(suggestion.value)}: ${suggestion.why}`,
    `    ${'threshold'.padEnd(12)} ${whom} locked`,
  ];
  for (const { threshold, locked } of figure.candidates) {
    const marks = [
      threshold === inForce ? 'in force' : '',
      threshold === shipped && shipped !== inForce ? 'shipped' : '',
      threshold === suggestion.value ? 'suggested' : '',
    ].filter(Boolean);
    lines.push(
      `    ${f(threshold).padEnd(12)} ${String(locked).padStart(6)}${marks.length ? `   ${marks.join(', ')}` : ''}`,
    );
  }
  return lines;
}

function ruleLines(report: RuleReport): string[] {
  if ('untuned' in report) return [`${report.rule}: not suggested: ${report.untuned}`];
  const whom = report.owner === 'route' ? 'routes' : 'actors';
  const lines = [`${report.rule}`];
  for (const figure of report.figures) lines.push(...figureLines(figure, whom));
  if (report.routes.length > 0) {
    const unit = report.figures[0]!.unit;
    lines.push(
      `  per route (${report.routes.length} of ${report.routesTotal}, the most actors first): ` +
        `${report.figures[0]!.field} peaks`,
    );
    const width = Math.max(...report.routes.map((r) => r.route.length));
    for (const { route, distribution } of report.routes) {
      lines.push(
        `    ${route.padEnd(width)}  ${String(distribution.actors).padStart(7)} actors  ${distributionLine(distribution, unit)}`,
      );
    }
  }
  return lines;
}

export function formatSuggestReport(
  result: SuggestResult,
  margin: number,
  allowLower: boolean,
): string {
  const out = [`margin: ${marginRule(margin, allowLower)}`, ''];
  for (const rule of result.rules) out.push(...ruleLines(rule), '');
  return `${out.join('\n')}`;
}

/** The operator's override of a rule in force: where it is, and its document as read. */
export interface ExistingOverride {
  /** `file:line` of its `rule:` key. */
  readonly at: string;
  readonly raw: Record<string, unknown>;
}

function writtenValue(value: number, unit: FigureUnit): number | string {
  return unit === 'bytes' ? formatSize(value) : value;
}

/**
 * The override file: one document per tuned rule, each the operator's override (when
 * there is one) with the suggested thresholds set, and the margin in comments.
 */
export function overridesYaml(
  result: SuggestResult,
  existing: ReadonlyMap<string, ExistingOverride>,
  header: { readonly margin: number; readonly allowLower: boolean; readonly source: string },
): string {
  const replaced = [...existing.entries()].filter(([rule]) =>
    result.rules.some((r) => r.rule === rule && !('untuned' in r)),
  );
  const head = [
    `# exfilguard rules suggest: thresholds from ${header.source}.`,
    `# Margin: ${marginRule(header.margin, header.allowLower)}.`,
    ...(replaced.length > 0
      ? [
          '# Each override below replaces yours of the same rule (merged into it: remove yours):',
          ...replaced.map(([rule, o]) => `#   ${rule}: ${o.at}`),
        ]
      : []),
  ];
  const documents = result.rules.flatMap((report) => {
    if ('untuned' in report) return [];
    const own = existing.get(report.rule)?.raw ?? {};
    const detect = { ...((own.detect as Record<string, unknown> | undefined) ?? {}) };
    for (const figure of report.figures)
      detect[figure.field] = writtenValue(figure.suggestion.value, figure.unit);
    const document = { ...own, kind: 'override', rule: report.rule, detect };
    const why = report.figures.map(
      (figure) =>
        `# ${figure.field} ${formatFigure(figure.suggestion.value, figure.unit)} ` +
        `(in force ${formatFigure(figure.inForce, figure.unit)}): ${figure.suggestion.why}`,
    );
    return [`${why.join('\n')}\n${stringify(document)}`];
  });
  return `${head.join('\n')}\n${documents.join('---\n')}`;
}
