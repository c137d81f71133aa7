// Reading a running detector's HTTP side in integration tests: /metrics as numbers
// (series text → value, exactly as exported), and /readyz as a status, polled until a
// condition holds rather than after a guessed pause.

/** One scrape of `url`/metrics: full series (name and labels as exported) → value. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

/** The value of one series, 0 when it is not exported (yet): counters start there. */
export async function metricValue(url: string, series: string): Promise<number> {
  return (await scrapeMetrics(url)).get(series) ?? 0;
}

/** Valid input records consumed by the detector at `url`. */
export const VALID_EVENTS = 'exfilguard_events_total{outcome="valid",reason=""}';

// What the shipped rules count, for tests that figure the expected growth from the
// events they send. Any watched series not named in a figure is expected to stay.
/** The shipped rules (all in enforce mode). */
const RULES = [
  'sequential-id-scan',
  'slow-id-scan',
  'object-breadth',
  'session-flood',
  'bulk-export',
  'error-probing',
];
const SCOPES = ['ip', 'session', 'user'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];
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
 * then suppressed hits); slow-id-scan needs 120, error-probing errors.
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

/** How much each of `series` grew between two scrapes. */
export function growth(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  series: readonly string[],
): Record<string, number> {
  return Object.fromEntries(
    series.map((name) => [name, (after.get(name) ?? 0) - (before.get(name) ?? 0)]),
  );
}

/** The /readyz status, or 0 when the server does not answer. */
export function readiness(url: string): Promise<number> {
  return fetch(`${url}/readyz`)
    .then((r) => r.status)
    .catch(() => 0);
}

/** Polls `check` every 100 ms until it resolves true; throws naming `what` after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until /readyz at `url` answers `status` (200: ready, 503: not ready). */
export function waitForReadiness(url: string, status: 200 | 503, timeoutMs = 60_000) {
  return waitUntil(
    async () => (await readiness(url)) === status,
    timeoutMs,
    `${url}/readyz to answer ${status}`,
  );
}
