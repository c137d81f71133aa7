// Expected metric figures for the shipped rules, for integration tests that work
// them out from the events they send (never from an earlier run): every watched
// series not named in a figure is expected to stay where it was.
import { loadRules } from '../../src/rules/shipped.js';
import { SCOPES, SEVERITIES } from '../../src/vocabulary/scope.js';
import { growth, metricValue, scrapeMetrics, VALID_EVENTS, waitUntil } from './metrics.js';

// The shipped rules are all in enforce mode, the label every figure below uses.
const { ruleSet } = await loadRules({ dirs: [], shipped: true });
const RULES = ruleSet.rules.map((rule) => rule.id);
/** Series whose growth detector tests figure exactly: events, rule activity, lockouts. */
export const WATCHED = [
  VALID_EVENTS,
  'exfilguard_dead_letters_total',
  ...RULES.flatMap((rule) => [
    `exfilguard_rule_evaluations_total{rule="${rule}",mode="enforce"}`,
    `exfilguard_rule_hits_total{rule="${rule}",mode="enforce"}`,
    `exfilguard_lockouts_suppressed_total{rule="${rule}"}`,
    ...SCOPES.flatMap((scope) =>
      SEVERITIES.map(
        (severity) =>
          `exfilguard_lockouts_total{rule="${rule}",scope="${scope}",severity="${severity}",mode="enforce"}`,
      ),
    ),
  ]),
];

/** Every watched series at 0 but those given: events, dead letters, suppressed hits. */
export function counted(figures: {
  valid: number;
  deadLetters: number;
  suppressed: Record<string, number>;
}): Record<string, number> {
  const zeros = Object.fromEntries(WATCHED.map((series) => [series, 0]));
  return {
    ...zeros,
    [VALID_EVENTS]: figures.valid,
    exfilguard_dead_letters_total: figures.deadLetters,
    ...Object.fromEntries(
      Object.entries(figures.suppressed).map(([rule, n]) => [
        `exfilguard_lockouts_suppressed_total{rule="${rule}"}`,
        n,
      ]),
    ),
  };
}

/** rule → [evaluations, hits]. */
export function ruleActivity(figures: Record<string, [number, number]>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(figures).flatMap(([rule, [evaluations, hits]]) => [
      [`exfilguard_rule_evaluations_total{rule="${rule}",mode="enforce"}`, evaluations],
      [`exfilguard_rule_hits_total{rule="${rule}",mode="enforce"}`, hits],
    ]),
  );
}

/** 'rule,scope,severity' → lockouts published. */
export function lockoutsIssued(figures: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(figures).map(([key, n]) => {
      const [rule, scope, severity] = key.split(',');
      const series = `exfilguard_lockouts_total{rule="${rule}",scope="${scope}",severity="${severity}",mode="enforce"}`;
      return [series, n];
    }),
  );
}

/**
 * The metrics' growth from a scan of `count` (> 50) ids by one address, no session, no
 * user: each event is one window of both id rules and of error-probing; the k-th id has
 * k-1 close ids before it, so sequential-id-scan hits from the 51st on (one lockout,
 * then suppressed hits); slow-id-scan needs 120, error-probing errors, object-breadth
 * 150 distinct records (the address's own traffic); the route's window (distributed-
 * sweep) sees every id of the anonymous walk but never claims itself, and its
 * participants follow only once the sweep's 100 close ids are reached.
 */
export function scanByAddress(count: number): Record<string, number> {
  return {
    ...counted({
      valid: count,
      deadLetters: 0,
      suppressed: { 'sequential-id-scan': count - 51 },
    }),
    ...ruleActivity({
      'sequential-id-scan': [count, count - 50],
      'slow-id-scan': [count, 0],
      'error-probing': [count, 0],
      'object-breadth': [count, 0],
      'distributed-sweep': [count, 0],
    }),
    ...lockoutsIssued({ 'sequential-id-scan,ip,high': 1 }),
  };
}

/** Growth of the watched series since `before`, once `valid` more events are counted. */
export async function growthOnceCounted(
  url: string,
  before: ReadonlyMap<string, number>,
  valid: number,
): Promise<Record<string, number>> {
  await waitUntil(
    async () => (await metricValue(url, VALID_EVENTS)) - (before.get(VALID_EVENTS) ?? 0) >= valid,
    15_000,
    `${valid} more events counted`,
  );
  return growth(before, await scrapeMetrics(url), WATCHED);
}
