// The monitoring files against real tools: promtool checks grafana/prometheus/, then a
// real Prometheus scrapes a live detector fed with attacks through the real broker and
// a live `exfilguard enforce` reading the detector's lockouts, and every PromQL
// expression of the dashboards (grafana/dashboards/*.json) and of the alerts is sent to
// it. A renamed metric or label fails here, not in a SOC's Grafana.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AccessEvent } from '../../src/event/access-event.js';
import { loadEnforceConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import type { RunningDetector } from '../../src/service/detector-service.js';
import { startEnforcer, type RunningEnforcer } from '../../src/service/enforcer-service.js';
import {
  exportPull,
  idScan,
  notFoundProbe,
  rotatingAccountScan,
} from '../../src/simulate/index.js';
import {
  chooseValues,
  evaluate,
  loadDashboards,
  untilNoProblems,
  type Problem,
} from '../support/dashboard-queries.js';
import { detectorSetup, produceEvents, startInProcess } from '../support/detector.js';
import { promtool, ROOT, startPrometheus, type RunningPrometheus } from '../support/prometheus.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');
const DASHBOARDS_DIR = join(ROOT, 'grafana/dashboards');
const ALERTS = join(ROOT, 'grafana/prometheus/alerts.yml');
/** How long the dashboards' rates may take to have samples. */
const DATA_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

describe('promtool', () => {
  it.each([
    ['check', 'config', 'grafana/prometheus/prometheus.yml'],
    ['check', 'rules', 'grafana/prometheus/alerts.yml'],
    ['test', 'rules', 'grafana/prometheus/alerts.test.yml'],
  ])('promtool %s %s %s succeeds', async (...args) => {
    const { code, output } = await promtool(args);
    expect(code, output).toBe(0);
  });
});

/** Every attack kind the shipped rules catch, from the simulator, starting now. */
function attacks(start: number): AccessEvent[] {
  const seed = 7;
  // 1,300 requests of one session in 13 s: session-flood (1,200 a minute).
  const flood = Array.from({ length: 1300 }, (_, i) => ({
    ts: start + i * 10,
    ip: '203.0.113.64',
    session: 's-flood',
    method: 'GET',
    path: '/api/feed',
    status: 200,
    bytes: 300,
  }));
  const pace = { start, seed, everyMs: 20 };
  return [
    // 140 ids: sequential-id-scan at the 51st, slow-id-scan at the 121st, suppressed hits between.
    ...idScan({ ...pace, identity: { ip: '203.0.113.60' }, count: 140, order: 'ascending' }).events,
    ...exportPull({ ...pace, identity: { ip: '203.0.113.61', session: 's-export' }, pages: 8 })
      .events,
    ...notFoundProbe({ ...pace, identity: { ip: '203.0.113.62' }, count: 90 }).events,
    ...rotatingAccountScan({ ...pace, user: 'intruder-breadth', count: 200 }).events,
    ...flood,
  ].sort((a, b) => a.ts - b.ts);
}

const SHIPPED_RULES = [
  'sequential-id-scan',
  'slow-id-scan',
  'bulk-export',
  'error-probing',
  'object-breadth',
  'session-flood',
];
const INVALID = ['{"broken json', 'not a log line at all', '{"ts": "yesterday", "ip": "1.2.3.4"}'];

/** Benign requests (one an allowlisted health probe) every 500 ms until stopped. */
function backgroundTraffic(topic: string): () => Promise<void> {
  let running = true;
  let failure: Error | undefined;
  const loop = (async () => {
    for (let wave = 0; running; wave += 1) {
      const ts = Date.now();
      const events: AccessEvent[] = Array.from({ length: 20 }, (_, i) => ({
        ts: ts + i,
        ip: `192.0.2.${(wave + i) % 50}`,
        method: 'GET',
        path: i === 0 ? '/healthz' : `/api/catalog?page=${i}`,
        status: 200,
        bytes: 1200,
      }));
      await produceEvents(brokers, topic, events);
      await sleep(500);
    }
  })().catch((error: unknown) => {
    failure = error instanceof Error ? error : new Error(String(error));
  });
  return async () => {
    running = false;
    await loop;
    if (failure) throw failure;
  };
}

const scrape = (service: RunningDetector | RunningEnforcer) =>
  fetch(`${service.url}/metrics`).then((r) => r.text());

/** A check as a gateway on loopback (a trusted proxy by default) sends it for `client`. */
const check = (enforcer: RunningEnforcer, client: string) =>
  fetch(`${enforcer.url}/v1/check`, { headers: { 'x-forwarded-for': client } }).then(
    (r) => r.status,
  );

/** Writes a file into the watched rules folder and waits for the reload it causes. */
async function reload(detector: RunningDetector, file: string, text: string, outcome: string) {
  const before = await scrape(detector);
  const count = (metrics: string) =>
    Number(
      new RegExp(`^exfilguard_rule_reloads_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(
        metrics,
      )?.[1] ?? 0,
    );
  await writeFile(file, text);
  await until(
    async () => count(await scrape(detector)) > count(before),
    10_000,
    `a rule reload counted as ${outcome} after writing ${file}`,
  );
}

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
}

async function alertRules(): Promise<AlertRule[]> {
  const file = parseYaml(await readFile(ALERTS, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

// Generous: a detector, a Prometheus and a minute of polling beside the other files.
describe('a real Prometheus scraping a live detector', { timeout: 150_000 }, () => {
  let rulesDir: string | undefined;
  let detector: RunningDetector | undefined;
  let enforcer: RunningEnforcer | undefined;
  let prometheus: RunningPrometheus | undefined;
  let stopTraffic: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    rulesDir = await mkdtemp(join(tmpdir(), 'exfilguard-prometheus-rules-'));
    // session-flood in shadow mode: lockouts of both modes exist.
    await writeFile(
      join(rulesDir, 'shadow.yaml'),
      'kind: override\nrule: session-flood\nmode: shadow\n',
    );
    const setup = await detectorSetup(brokers, redisUrl, {
      env: { EXFILGUARD_RULES_DIRS: rulesDir },
    });
    detector = await startInProcess(setup);
    const enforceConfig = loadEnforceConfig({ ...setup.env, EXFILGUARD_ENFORCE_PORT: '0' });
    enforcer = await startEnforcer(enforceConfig, createLogger(enforceConfig.logLevel));
    const live = await startPrometheus({
      targets: [new URL(detector.url).host],
      enforceTargets: [new URL(enforcer.url).host],
      ruleFiles: [ALERTS],
    });
    prometheus = live;
    await until(
      async () => {
        const answer = await live.query('up{job=~"exfilguard|exfilguard-enforce"} == 1');
        return answer.ok && answer.result.length === 2;
      },
      20_000,
      'Prometheus to scrape the detector and the enforcer',
    );
    // After the first scrape, so the counters' increases are seen from 0.
    stopTraffic = backgroundTraffic(setup.topics.input);
    await produceEvents(brokers, setup.topics.input, [...attacks(Date.now()), ...INVALID]);
    const consumed = detector;
    await until(
      async () => {
        const metrics = await scrape(consumed);
        return (
          /^exfilguard_dead_letters_total 3$/m.test(metrics) &&
          SHIPPED_RULES.every((rule) =>
            new RegExp(`^exfilguard_lockouts_total\\{[^}]*rule="${rule}"`, 'm').test(metrics),
          )
        );
      },
      30_000,
      `the detector to consume the attacks: 3 dead letters and lockouts by ${SHIPPED_RULES.join(', ')}`,
    );
    // The enforcer refuses the id scanner once the lockout reaches it, and lets others by:
    // refusals by rule and allowed checks exist for the dashboards' Enforcement row.
    const gateway = enforcer;
    await until(
      async () => (await check(gateway, '203.0.113.60')) === 403,
      20_000,
      'the enforcer to refuse the id scanner 203.0.113.60',
    );
    expect(await check(gateway, '192.0.2.200')).toBe(200);
    const allowlist = 'kind: allowlist\nusers: [prometheus-test-nobody]\n';
    await reload(detector, join(rulesDir, 'allowlist.yaml'), allowlist, 'success');
    await reload(detector, join(rulesDir, 'broken.yaml'), 'kind: rule\nid: broken\n', 'failure');
  });

  afterAll(async () => {
    const traffic = stopTraffic?.();
    await Promise.allSettled([traffic]);
    await Promise.allSettled([prometheus?.stop(), detector?.stop(), enforcer?.stop()]);
    if (rulesDir) await rm(rulesDir, { recursive: true, force: true });
    await traffic; // a producer failure mid-test is reported, after the clean-up
  });

  it.each(['detector', 'enforcer'] as const)(
    'a scrape of the %s passes promtool check metrics',
    async (which) => {
      const text = await scrape(which === 'detector' ? detector! : enforcer!);
      const { code, output } = await promtool(['check', 'metrics'], text);
      // 1: unparsable exposition; 3: lint findings, allowed only on prom-client's default
      // Node metrics (it names three gauges nodejs_active_*_total): not ours to rename.
      expect([0, 3], output).toContain(code);
      const findings = output.split('\n').filter((line) => line.trim() !== '');
      expect(findings.filter((line) => !/^(nodejs|process)_\w+ /.test(line))).toEqual([]);
    },
  );

  it('the enforcer counts its refusals by the rule that refused', async () => {
    expect(await scrape(enforcer!)).toMatch(
      /^exfilguard_enforce_checks_total\{outcome="refused",rule="(sequential|slow)-id-scan"\} [1-9]/m,
    );
  });

  it('Prometheus evaluates every alert rule, and each selector in them matches series', async () => {
    const rules = await alertRules();
    const queries = rules.map(({ alert, expr }) => ({
      where: `alerts.yml › ${alert}`,
      expr,
      kind: 'alert' as const,
    }));
    expect(await untilNoProblems(() => evaluate(prometheus!, queries, {}), 10_000)).toEqual([]);
    // Prometheus' own rule manager, every second: each rule evaluated, none failing.
    type RuleState = { name: string; health: string; lastError?: string };
    const states = async () =>
      (await prometheus!.api<{ groups: { rules: RuleState[] }[] }>('/api/v1/rules')).groups.flatMap(
        (group) => group.rules,
      );
    await until(
      async () => (await states()).every((rule) => rule.health !== 'unknown'),
      10_000,
      'every alert rule to be evaluated once',
    );
    const evaluated = await states();
    expect(evaluated.map((rule) => rule.name).sort()).toEqual(rules.map((r) => r.alert).sort());
    expect(evaluated.filter((rule) => rule.health !== 'ok')).toEqual([]);
  });

  it('the dead-letter and refused-reload alerts fire, and no other', async () => {
    const firing = async () =>
      (
        await prometheus!.api<{ alerts: { labels: { alertname: string }; state: string }[] }>(
          '/api/v1/alerts',
        )
      ).alerts
        .filter((alert) => alert.state === 'firing')
        .map((alert) => alert.labels.alertname)
        .sort();
    const expected = ['ExfilguardDeadLetters', 'ExfilguardRuleReloadFailed'];
    await until(
      async () => {
        const names = await firing();
        return expected.every((name) => names.includes(name));
      },
      20_000,
      `${expected.join(' and ')} to fire`,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; firing: ${(await firing()).join(', ') || 'none'}`);
    });
    expect(await firing()).toEqual(expected);
  });

  it('every dashboard query returns data, every annotation query evaluates', async () => {
    const dashboards = await loadDashboards(DASHBOARDS_DIR, 'grafana/dashboards');
    expect(dashboards.length, `no dashboard JSON in ${DASHBOARDS_DIR}`).toBeGreaterThan(0);
    for (const dashboard of dashboards) expect(dashboard.queries.length).toBeGreaterThan(0);
    const round = async () => {
      const problems: Problem[] = [];
      for (const dashboard of dashboards) {
        const { chosen, problems: unresolvable } = await chooseValues(prometheus!, dashboard);
        problems.push(...unresolvable, ...(await evaluate(prometheus!, dashboard.queries, chosen)));
      }
      return problems;
    };
    expect(await untilNoProblems(round, DATA_TIMEOUT_MS)).toEqual([]);
  });
});
