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

/** True once every one of the topic's `partitions` reports no lag after a batch. */
export async function caughtUp(url: string, topic: string, partitions: number): Promise<boolean> {
  const metrics = await scrapeMetrics(url);
  return Array.from({ length: partitions }, (_, p) =>
    metrics.get(`exfilguard_consumer_lag_messages{topic="${topic}",partition="${p}"}`),
  ).every((lag) => lag === 0);
}

/** /readyz statuses seen over `ms`. */
export async function pollReadiness(url: string, ms: number): Promise<number[]> {
  const statuses: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    statuses.push(await readiness(url));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return statuses;
}
