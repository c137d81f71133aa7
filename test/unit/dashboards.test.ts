// The Grafana dashboards, checked without Grafana or Prometheus: structure, layout, the
// provisioned datasource, and every query parsed with Prometheus's own PromQL grammar and
// compared with the metrics exfilguard exports (names and labels, from src/metrics.ts and
// src/enforcer-metrics.ts).
// Grafana publishes no JSON Schema of a dashboard (@grafana/schema ships TypeScript types
// only), hence the structural checks here. Whether each query returns data is checked
// against a real Prometheus elsewhere.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  PROVISIONING_DIR,
  dashboardQueries,
  exportedMetrics,
  loadDashboards,
  panelsOf,
  substituteVariables,
  variablesIn,
  type GridPos,
  type Panel,
} from '../support/dashboards.js';
import { analysePromql } from '../support/promql.js';

// Grafana variables the live evaluation knows how to replace: `$__range` and friends would
// need a range it does not have, so the dashboards keep to `$__rate_interval`.
const BUILTIN_VARIABLES = new Set(['__rate_interval']);
const GRID_WIDTH = 24;
const MIN_DESCRIPTION = 80;

interface DatasourceFile {
  datasources?: { type?: string; uid?: string; name?: string }[];
}
interface DashboardProviderFile {
  providers?: { type?: string; options?: { path?: string } }[];
}

function readYaml<T>(path: string): T {
  return parse(readFileSync(join(PROVISIONING_DIR, path), 'utf8')) as T;
}

function provisionedPrometheus(): { type: string; uid: string } {
  const file = readYaml<DatasourceFile>('datasources/prometheus.yml');
  const source = file.datasources?.find((candidate) => candidate.type === 'prometheus');
  if (!source?.uid)
    throw new Error(
      'grafana/provisioning/datasources/prometheus.yml: the Prometheus datasource needs a fixed `uid` (dashboards refer to it)',
    );
  return { type: 'prometheus', uid: source.uid };
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function gridOf(panel: Panel): GridPos {
  return panel.gridPos as GridPos;
}

const dashboards = loadDashboards();
const datasource = provisionedPrometheus();
const known = exportedMetrics();
const queries = dashboardQueries(dashboards);

describe('the lockouts row', () => {
  it('says how to get a lockout’s report', () => {
    const overview = dashboards.find(({ file }) => file === 'exfilguard-overview.json')!;
    const panels = overview.dashboard.panels ?? [];
    const row = panels.findIndex((panel) => panel.type === 'row' && panel.title === 'Lockouts');
    const next = panels.findIndex((panel, i) => i > row && panel.type === 'row');
    const text = panels.slice(row + 1, next).find((panel) => panel.type === 'text') as
      { options?: { content?: string } } | undefined;
    expect(text?.options?.content).toContain('exfilguard report --lockout ID');
  });
});

describe('provisioning', () => {
  it('loads the dashboards from the folder the compose service mounts', () => {
    const file = readYaml<DashboardProviderFile>('dashboards/exfilguard.yml');
    expect(file.providers).toEqual([
      expect.objectContaining({
        type: 'file',
        options: expect.objectContaining({ path: '/var/lib/grafana/dashboards' }) as unknown,
      }),
    ]);
  });

  it('ships both dashboards', () => {
    expect(dashboards.map(({ file }) => file)).toEqual([
      'exfilguard-overview.json',
      'exfilguard-rule.json',
    ]);
  });
});

describe.each(dashboards)('$file', ({ file, dashboard }) => {
  const panels = panelsOf(dashboard);
  // Text panels say how to act (the lockout row: how to get a lockout's report); they query nothing.
  const textPanels = panels.filter((panel) => panel.type === 'text');
  const queryPanels = panels.filter((panel) => panel.type !== 'row' && panel.type !== 'text');

  it('has a stable uid (the file name), a title, and the shared settings', () => {
    expect(dashboard.uid).toBe(file.replace(/\.json$/, ''));
    expect(dashboard.title).toMatch(/\S/);
    expect(dashboard.editable).toBe(false);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.time).toEqual({ from: 'now-1h', to: 'now' });
    expect(dashboard.refresh).toBe('10s');
  });

  it('numbers its panels uniquely', () => {
    const ids = panels.map((panel) => panel.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(repeated, `${file}: panel ids used twice`).toEqual([]);
  });

  it('gives every panel a title, a description, the provisioned datasource and a query', () => {
    expect(queryPanels.length).toBeGreaterThan(0);
    for (const panel of queryPanels) {
      const where = `${file}: panel ${panel.id ?? '?'} "${panel.title ?? ''}"`;
      expect(panel.title, where).toMatch(/\S/);
      expect(panel.description?.length ?? 0, `${where}: description`).toBeGreaterThanOrEqual(
        MIN_DESCRIPTION,
      );
      expect(panel.datasource, `${where}: datasource`).toEqual(datasource);
      expect(panel.targets?.length ?? 0, `${where}: targets`).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.expr, `${where}: expr of ${target.refId ?? '?'}`).toMatch(/\S/);
        expect(target.datasource ?? datasource, `${where}: target datasource`).toEqual(datasource);
      }
    }
  });

  it('gives every text panel a title, a description and Markdown content', () => {
    for (const panel of textPanels) {
      const where = `${file}: text panel ${panel.id ?? '?'}`;
      expect(panel.title, where).toMatch(/\S/);
      expect(panel.description?.length ?? 0, `${where}: description`).toBeGreaterThanOrEqual(
        MIN_DESCRIPTION,
      );
      const options = (panel as { options?: { mode?: string; content?: string } }).options;
      expect(options?.mode, where).toBe('markdown');
      expect(options?.content ?? '', where).toMatch(/\S/);
    }
  });

  it('titles its rows, each a full-width line', () => {
    for (const row of panels.filter((panel) => panel.type === 'row')) {
      expect(row.title).toMatch(/\S/);
      expect(row.gridPos).toMatchObject({ h: 1, w: GRID_WIDTH, x: 0 });
    }
  });

  it('places every panel on the grid without overlap', () => {
    const placed = dashboard.panels ?? [];
    for (const panel of placed) {
      const where = `${file}: panel "${panel.title ?? ''}" gridPos`;
      for (const field of ['h', 'w', 'x', 'y'] as const)
        expect(Number.isInteger(panel.gridPos?.[field]), `${where}.${field}`).toBe(true);
      const { x, w, h } = gridOf(panel);
      expect(x >= 0 && w >= 1 && h >= 1 && x + w <= GRID_WIDTH, where).toBe(true);
    }
    for (const [i, a] of placed.entries())
      for (const b of placed.slice(i + 1))
        expect(overlaps(gridOf(a), gridOf(b)), `"${a.title ?? ''}" and "${b.title ?? ''}"`).toBe(
          false,
        );
  });

  it('takes its template variables from the provisioned Prometheus and exported metrics', () => {
    for (const variable of dashboard.templating?.list ?? []) {
      expect(variable.datasource, `$${variable.name}`).toEqual(datasource);
      const values = /^label_values\((\w+), *(\w+)\)$/.exec(variable.definition ?? '');
      expect(values, `$${variable.name}: label_values(metric, label)`).not.toBeNull();
      const [, metric = '', label = ''] = values ?? [];
      expect(known.get(metric)?.has(label), `$${variable.name}: ${metric} {${label}}`).toBe(true);
    }
  });
});

describe.each(queries)('$file $panel $refId', ({ file, expr, legendFormat }) => {
  const defined = new Set(
    dashboards
      .find((entry) => entry.file === file)
      ?.dashboard.templating?.list?.map((variable) => variable.name) ?? [],
  );
  const example = Object.fromEntries([...defined].map((name) => [name, 'sequential-id-scan']));

  it('refers only to defined variables, and rates over $__rate_interval', () => {
    for (const name of variablesIn(expr))
      expect(defined.has(name) || BUILTIN_VARIABLES.has(name), `$${name}`).toBe(true);
    for (const [range] of expr.matchAll(/\[[^\]]*\]/g)) expect(range).toBe('[$__rate_interval]');
  });

  it('parses, selects exported metrics and their labels only, and prints labels it has', () => {
    const analysis = analysePromql(substituteVariables(expr, example), known);
    expect(analysis.syntaxErrors, expr).toEqual([]);
    expect(analysis.problems, expr).toEqual([]);
    expect(analysis.metrics.length).toBeGreaterThan(0);
    const printed = [...legendFormat.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1]);
    for (const label of printed)
      expect(analysis.outputLabels?.has(label ?? ''), `legend {{${label ?? ''}}}`).not.toBe(false);
  });
});

// The checks above are only worth their passes if they can fail.
describe('the PromQL checks', () => {
  it('report a syntax error with its column', () => {
    expect(
      analysePromql('sum(rate(exfilguard_dead_letters_total[1m])', known).syntaxErrors,
    ).not.toEqual([]);
  });

  it('report a metric exfilguard does not export', () => {
    expect(analysePromql('rate(exfilguard_lockout_total[1m])', known).problems).toEqual([
      'unknown metric exfilguard_lockout_total',
    ]);
  });

  it("know exfilguard enforce's metrics as well as the detector's", () => {
    expect(
      analysePromql('sum by (outcome, rule) (exfilguard_enforce_checks_total)', known),
    ).toMatchObject({ problems: [] });
    expect(analysePromql('exfilguard_enforce_entries{outcome="x"}', known).problems).toEqual([
      'exfilguard_enforce_entries has no label outcome',
    ]);
  });

  it('report a label the metric does not have, in a matcher, a by clause or on()', () => {
    expect(analysePromql('exfilguard_lockouts_total{outcome="x"}', known).problems).toEqual([
      'exfilguard_lockouts_total has no label outcome',
    ]);
    expect(
      analysePromql('sum by (scope) (rate(exfilguard_events_total[1m]))', known).problems,
    ).toEqual(['sum by (scope): no such label here']);
    expect(
      analysePromql('exfilguard_rules_loaded * on (rule) exfilguard_active_lockouts', known)
        .problems,
    ).toEqual(['on (left side) (rule): no such label here']);
  });

  it('know which labels a result carries', () => {
    const labels = (expr: string) => [...(analysePromql(expr, known).outputLabels ?? ['?'])];
    expect(
      labels('sum by (rule) (rate(exfilguard_lockouts_total[1m])) or on () vector(0)'),
    ).toEqual(['rule']);
    expect(
      labels(
        'histogram_quantile(0.9, sum by (le) (rate(exfilguard_batch_duration_seconds_bucket[1m])))',
      ),
    ).toEqual([]);
    expect(labels('label_replace(exfilguard_rules_loaded, "a", "b", "c", "d")')).toEqual(['?']);
  });

  it('find every variable a query names, in each of its spellings', () => {
    expect(
      variablesIn('x{a="$rule",b="${mode}",c="${scope:regex}",d="[[old]]"}[$__rate_interval]'),
    ).toEqual(['rule', 'mode', 'scope', 'old', '__rate_interval']);
    expect(() => substituteVariables('x{a="$missing"}', {})).toThrow(/\$missing/);
  });
});
