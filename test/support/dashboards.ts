// The Grafana dashboards as data, for the unit checks (test/unit/dashboards.test.ts)
// and for evaluating their queries against a real Prometheus: every PromQL query of
// every panel, and how to turn a query with Grafana variables into plain PromQL.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { Histogram } from 'prom-client';
import { Enforcer } from '../../src/enforce/index.js';
import { EnforcerMetrics } from '../../src/enforcer-metrics.js';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import type { MetricLabels } from './promql.js';

export const DASHBOARD_DIR = join(import.meta.dirname, '../../grafana/dashboards');
export const PROVISIONING_DIR = join(import.meta.dirname, '../../grafana/provisioning');

export interface DatasourceRef {
  readonly type?: string;
  readonly uid?: string;
}

export interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly legendFormat?: string;
  readonly datasource?: DatasourceRef;
}

export interface GridPos {
  readonly h: number;
  readonly w: number;
  readonly x: number;
  readonly y: number;
}

export interface Panel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly description?: string;
  readonly datasource?: DatasourceRef;
  readonly gridPos?: Partial<GridPos>;
  readonly targets?: Target[];
  /** A collapsed row keeps its panels here. */
  readonly panels?: Panel[];
}

export interface TemplateVariable {
  readonly name: string;
  readonly type: string;
  readonly datasource?: DatasourceRef;
  readonly definition?: string;
  readonly query?: unknown;
}

export interface Dashboard {
  readonly uid?: string;
  readonly title?: string;
  readonly editable?: boolean;
  readonly schemaVersion?: number;
  readonly refresh?: string;
  readonly time?: { from?: string; to?: string };
  readonly templating?: { list?: TemplateVariable[] };
  readonly panels?: Panel[];
}

export interface DashboardFile {
  readonly file: string;
  readonly dashboard: Dashboard;
}

export interface PanelQuery {
  readonly file: string;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
}

export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** Every dashboard, parsed; a file that is not JSON throws with its name. */
export function loadDashboards(): DashboardFile[] {
  return dashboardFiles().map((file) => {
    const text = readFileSync(join(DASHBOARD_DIR, file), 'utf8');
    try {
      return { file, dashboard: JSON.parse(text) as Dashboard };
    } catch (error) {
      throw new Error(`grafana/dashboards/${file} is not valid JSON: ${String(error)}`);
    }
  });
}

/** Every panel, rows included, and the panels inside collapsed rows. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** Every query of every panel of every dashboard. */
export function dashboardQueries(dashboards = loadDashboards()): PanelQuery[] {
  return dashboards.flatMap(({ file, dashboard }) =>
    panelsOf(dashboard).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        file,
        panel: panel.title ?? `panel ${panel.id ?? '?'}`,
        refId: target.refId ?? '?',
        expr: target.expr ?? '',
        legendFormat: target.legendFormat ?? '',
      })),
    ),
  );
}

/**
 * Grafana's spellings of a variable: `${name}`, `${name:format}`, `[[name]]`, `$name`
 * (a name starts with a letter or `_`: `$1` in label_replace is no variable).
 */
const VARIABLE = /\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\[\[([A-Za-z_]\w*)\]\]|\$([A-Za-z_]\w*)/g;

/** Names of the variables a query refers to. */
export function variablesIn(expr: string): string[] {
  return [...expr.matchAll(VARIABLE)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

/** Each variable of `expr` replaced by `valueOf(name, asWritten)`. */
export function replaceVariables(
  expr: string,
  valueOf: (name: string, asWritten: string) => string,
): string {
  return expr.replace(VARIABLE, (whole: string, a?: string, b?: string, c?: string) =>
    valueOf(a ?? b ?? c ?? '', whole),
  );
}

/**
 * Plain PromQL from a dashboard query: `$__rate_interval` becomes `rateInterval` (Grafana
 * makes it at least four scrape intervals) and each `$name` the value given for it.
 */
export function substituteVariables(
  expr: string,
  values: Readonly<Record<string, string>>,
  rateInterval = '1m',
): string {
  const all: Record<string, string> = { __rate_interval: rateInterval, ...values };
  return replaceVariables(expr, (name) => {
    const value = all[name];
    if (value === undefined)
      throw new Error(`no value for the Grafana variable $${name} in ${expr}`);
    return value;
  });
}

/** Labels Prometheus adds to every scraped series. */
const SCRAPE_LABELS = ['job', 'instance'];

/**
 * What exfilguard exports, from the metrics classes themselves — the detector's (Metrics)
 * and `exfilguard enforce`'s (EnforcerMetrics), each with prom-client's default Node
 * metrics: each metric name, with the `_bucket`, `_sum` and `_count` series of
 * histograms, and the labels each carries.
 */
export function exportedMetrics(): MetricLabels {
  // The enforcer's metrics need an enforcer; it is never started, so its Kafka client
  // never connects (kafkajs connects on start, not on construction).
  const enforcer = new Enforcer({
    kafka: new Kafka({ brokers: ['127.0.0.1:9'] }),
    topic: 'lockouts',
    logger: createLogger('silent'),
  });
  const registries = [new Metrics().registry, new EnforcerMetrics(enforcer).registry];
  const known = new Map<string, ReadonlySet<string>>();
  for (const metric of registries.flatMap((registry) => registry.getMetricsAsArray())) {
    const own = 'labelNames' in metric ? (metric.labelNames as readonly string[]) : [];
    const labels = new Set([...own, ...SCRAPE_LABELS]);
    if (metric instanceof Histogram) {
      known.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      known.set(`${metric.name}_sum`, labels);
      known.set(`${metric.name}_count`, labels);
    } else {
      known.set(metric.name, labels);
    }
  }
  return known;
}
