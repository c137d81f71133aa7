// The PromQL a Grafana dashboard holds, found by walking its JSON generically (panels,
// rows' nested panels, annotations, template variables), and its evaluation against a
// real Prometheus with the substitutions Grafana would make.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceVariables, variablesIn } from './dashboards.js';
import type { RunningPrometheus } from './prometheus.js';

/** A query to run: where it came from, and its text before substitution. */
export interface DashboardQuery {
  readonly where: string;
  readonly expr: string;
  /** Panel targets must return data; annotation and alert queries need only evaluate. */
  readonly kind: 'panel' | 'annotation' | 'alert';
}

export interface TemplateVariable {
  readonly name: string;
  readonly type: string;
  readonly query: string;
}

export interface DashboardContent {
  readonly queries: DashboardQuery[];
  readonly variables: TemplateVariable[];
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(node: Json | undefined): node is { [key: string]: Json } {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

const text = (node: Json | undefined, fallback = ''): string =>
  typeof node === 'string' ? node : fallback;

/** Grafana stores a variable's query as a string or as `{ query: string }`. */
function queryText(node: Json | undefined): string {
  return isObject(node) ? text(node.query) : text(node);
}

/** `json`: a dashboard as Grafana exports it, or wrapped as `{ dashboard: … }` for its API. */
export function dashboardContent(file: string, json: Json): DashboardContent {
  const dashboard = isObject(json) && isObject(json.dashboard) ? json.dashboard : json;
  const queries: DashboardQuery[] = [];
  const visit = (node: Json, where: string): void => {
    if (Array.isArray(node)) {
      node.forEach((child) => visit(child, where));
      return;
    }
    if (!isObject(node)) return;
    const title = typeof node.title === 'string' ? `${where} › ${node.title}` : where;
    for (const target of Array.isArray(node.targets) ? node.targets : []) {
      if (isObject(target) && text(target.expr).trim() !== '') {
        const refId = typeof target.refId === 'string' ? ` [${target.refId}]` : '';
        queries.push({ where: `${title}${refId}`, expr: text(target.expr), kind: 'panel' });
      }
    }
    for (const [key, child] of Object.entries(node)) {
      if (key !== 'targets' && key !== 'templating' && key !== 'annotations') visit(child, title);
    }
  };
  visit(dashboard, file);

  const root = isObject(dashboard) ? dashboard : {};
  const annotations = isObject(root.annotations) ? root.annotations.list : undefined;
  for (const annotation of Array.isArray(annotations) ? annotations : []) {
    if (isObject(annotation) && text(annotation.expr) !== '') {
      const where = `${file} › annotation ${text(annotation.name, '?')}`;
      queries.push({ where, expr: text(annotation.expr), kind: 'annotation' });
    }
  }
  const templating = isObject(root.templating) ? root.templating.list : undefined;
  const variables = (Array.isArray(templating) ? templating : []).filter(isObject).map((v) => ({
    name: text(v.name),
    type: text(v.type),
    query: queryText(v.query),
  }));
  return { queries, variables };
}

/** Every `*.json` dashboard of a folder (none if the folder is missing). */
export async function loadDashboards(dir: string, shownAs: string): Promise<DashboardContent[]> {
  const files = (await readdir(dir).catch(() => [] as string[]))
    .filter((file) => file.endsWith('.json'))
    .sort();
  return Promise.all(
    files.map(async (file) =>
      dashboardContent(
        `${shownAs}/${file}`,
        JSON.parse(await readFile(join(dir, file), 'utf8')) as Json,
      ),
    ),
  );
}

/** Grafana's global variables, with values that suit a test Prometheus scraping every second. */
export const GLOBALS: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __interval_ms: '15000',
  __range: '5m',
  __range_s: '300',
  __range_ms: '300000',
};

/** Every variable given a value replaced, as Grafana would with one value; the rest kept. */
export function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  return replaceVariables(expr, (name, asWritten) => values[name] ?? asWritten);
}

/** Names of variables still in the text. */
export const unresolved = variablesIn;

/** How a `query` variable's values are found: `label_values(metric, label)`, `label_values(label)`. */
export function labelValuesQuery(
  query: string,
): { readonly label: string; readonly match?: string } | undefined {
  const withMetric = /^\s*label_values\(\s*(.+)\s*,\s*(\w+)\s*\)\s*$/s.exec(query);
  if (withMetric) return { match: withMetric[1]!.trim(), label: withMetric[2]! };
  const labelOnly = /^\s*label_values\(\s*(\w+)\s*\)\s*$/.exec(query);
  return labelOnly ? { label: labelOnly[1]! } : undefined;
}

export interface Problem {
  readonly text: string;
  /** Missing data may come with more samples; an evaluation error will not. */
  readonly final: boolean;
}

/** The values Grafana would offer for a variable, or undefined if it is not PromQL's. */
async function variableValues(
  prometheus: RunningPrometheus,
  variable: TemplateVariable,
  chosen: Readonly<Record<string, string>>,
): Promise<string[] | undefined> {
  const query = substitute(variable.query, chosen);
  switch (variable.type) {
    case 'query': {
      const labelValues = labelValuesQuery(query);
      if (!labelValues) {
        throw new Error(
          `variable $${variable.name}: "${query}" is not label_values(…); teach ` +
            'test/support/dashboard-queries.ts how Grafana resolves it',
        );
      }
      const params = labelValues.match ? { 'match[]': labelValues.match } : undefined;
      return prometheus.api<string[]>(`/api/v1/label/${labelValues.label}/values`, params);
    }
    case 'custom':
    case 'interval':
      return query.split(',').map((value) => value.trim());
    case 'constant':
    case 'textbox':
      return [query];
    default: // datasource, adhoc: not part of an expression
      return undefined;
  }
}

/**
 * The series selectors of an expression: `up{…}` and every `exfilguard_`, `process_`
 * or `nodejs_` metric with its matchers, e.g. `exfilguard_events_total{outcome="invalid"}`.
 */
export function selectors(expr: string): string[] {
  const found = expr.matchAll(
    /\b(?:up(?=\s*\{)|(?:exfilguard|process|nodejs)_\w+)(?:\s*\{[^}]*\})?/g,
  );
  return [...new Set([...found].map((m) => m[0].replace(/\s+/g, ' ')))];
}

/**
 * Each query substituted and sent to Prometheus: errors, panels without data, and
 * selectors that match no series. The last catch a renamed metric or label that
 * `or vector(0)` or an alert's comparison would hide behind an answer.
 */
export async function evaluate(
  prometheus: RunningPrometheus,
  queries: readonly DashboardQuery[],
  values: Readonly<Record<string, string>>,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const query of queries) {
    const expr = substitute(query.expr, values);
    const where = `${query.where}: ${expr}`;
    const left = unresolved(expr);
    if (left.length > 0) {
      problems.push({ text: `${where} — undefined variable $${left.join(', $')}`, final: true });
      continue;
    }
    const answer = await prometheus.query(expr);
    if (!answer.ok) {
      problems.push({ text: `${where} — error: ${answer.error}`, final: true });
      continue;
    }
    if (query.kind === 'panel' && answer.result.length === 0)
      problems.push({ text: `${where} — no data`, final: false });
    for (const selector of selectors(expr)) {
      const matched = await prometheus.query(selector);
      if (!matched.ok || matched.result.length === 0)
        problems.push({ text: `${where} — ${selector} matches no series`, final: false });
    }
  }
  return problems;
}

/** Evaluates until no problem is left, one cannot heal, or `timeoutMs` has passed. */
export async function untilNoProblems(
  round: () => Promise<Problem[]>,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problems = await round();
    if (problems.length === 0 || problems.some((p) => p.final) || Date.now() > deadline)
      return problems.map((problem) => problem.text);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/**
 * Each variable in order (later ones may use earlier ones) takes the value under which
 * the most panels that use it have data, as an analyst would pick one.
 */
export async function chooseValues(prometheus: RunningPrometheus, dashboard: DashboardContent) {
  const chosen: Record<string, string> = { ...GLOBALS };
  const problems: Problem[] = [];
  for (const variable of dashboard.variables) {
    const candidates = await variableValues(prometheus, variable, chosen);
    if (candidates === undefined) continue;
    if (candidates.length === 0) {
      const text = `variable $${variable.name} (${variable.query}) has no values`;
      problems.push({ text, final: false });
      continue;
    }
    const users = dashboard.queries.filter((q) =>
      unresolved(substitute(q.expr, chosen)).includes(variable.name),
    );
    let best = { value: candidates[0]!, problems: Infinity };
    for (const value of candidates) {
      const values = { ...chosen, [variable.name]: value };
      const count = (await evaluate(prometheus, users, values)).length;
      if (count < best.problems) best = { value, problems: count };
    }
    chosen[variable.name] = best.value;
  }
  return { chosen, problems };
}
