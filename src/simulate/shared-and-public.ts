// The people issue 14 says to leave alone, and the attackers hiding among them: an
// office NAT whose one scraping session must be locked without the address the others
// share; a search engine's crawler walking public pages in order (quiet) and the same
// walk over a records route, by someone claiming to be that crawler or by the
// crawler's own network (locked); an integration syncing changed records in bursts,
// uptime checks on one fixed record, a client retrying one record (quiet).
import type { AccessEvent } from '../event/index.js';
import { benignActor as benign, budgeted, request, type Actor, type Identity } from './actor.js';
import { idScan, type ScanOrder } from './attacks.js';
import { natOffice } from './benign.js';
import { deriveSeed, Random } from './random.js';
import type { Scenario, ScenarioOptions } from './scenario.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** An address of Google's published crawler networks (rules/crawlers.yaml). */
export const GOOGLEBOT_ADDRESS = '66.249.66.17';
export const GOOGLEBOT_AGENT =
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

export interface CrawlOptions extends ScenarioOptions {
  readonly identity: Identity;
  /** Public trees walked in order: `/catalogue` → `/catalogue/1`, `/catalogue/2`, … */
  readonly trees: readonly { readonly route: string; readonly pages: number }[];
  readonly everyMs: number;
}

/** A crawler walking public pages in order, at a steady pace. */
export function publicCrawl(options: CrawlOptions): Actor {
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  let ts = options.start;
  for (const { route, pages } of options.trees) {
    for (let page = 1; page <= pages; page += 1) {
      const status = random.chance(0.02) ? 404 : 200;
      events.push(
        request(options.identity, ts, {
          path: `${route}/${page}`,
          status,
          bytes: random.int(8000, 40_000),
        }),
      );
      ts += random.jitter(options.everyMs, 0.3);
    }
  }
  return benign(`crawler ${options.identity.ip} walking public pages`, events);
}

export interface SyncOptions extends ScenarioOptions {
  readonly identity: Identity;
  readonly durationMs: number;
  readonly everyMs?: number;
  readonly tableSize?: number;
}

/**
 * An integration syncing changed records: every 15 minutes a burst at machine pace,
 * a list page of what changed, then each changed record: updates scattered over the
 * table, and the few records created since the last sync (consecutive ids).
 */
export function changedRecordsSync(options: SyncOptions): Actor {
  const { everyMs = 15 * MINUTE, tableSize = 2_000_000 } = options;
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  let newest = random.int(tableSize / 2, tableSize);
  for (let at = options.start; at < options.start + options.durationMs; at += everyMs) {
    let ts = at;
    const since = new Date(at - everyMs).toISOString();
    events.push(
      request(options.identity, ts, {
        path: `/api/customers?updatedSince=${since}`,
        bytes: 6000,
        records: 40,
      }),
    );
    const created = random.int(0, 6);
    const ids = [
      ...Array.from({ length: random.int(5, 35) }, () => random.int(1, newest)),
      ...Array.from({ length: created }, (_, i) => newest + 1 + i),
    ];
    newest += created;
    for (const id of ids) {
      ts += random.int(80, 200);
      events.push(
        request(options.identity, ts, {
          path: `/api/customers/${id}`,
          bytes: random.int(600, 2500),
        }),
      );
    }
  }
  return benign(`integration ${options.identity.user ?? ''} syncing changes`.trim(), events);
}

/** Uptime monitors fetching one fixed record, each every 30 s. */
export function uptimeChecks(
  options: ScenarioOptions & { ips: readonly string[]; durationMs: number },
): Actor {
  const events: AccessEvent[] = [];
  options.ips.forEach((ip, n) => {
    for (let ts = options.start + n * 7000; ts < options.start + options.durationMs; ts += 30_000) {
      events.push(
        request({ ip, userAgent: 'UptimeRobot/2.0' }, ts, { path: '/api/customers/1', bytes: 900 }),
      );
    }
  });
  return benign('uptime checks on one record', events);
}

/** A client retrying one record through a flaky backend (503, then 200), now and then. */
export function retries(
  options: ScenarioOptions & { identity: Identity; durationMs: number },
): Actor {
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  for (
    let ts = options.start;
    ts < options.start + options.durationMs;
    ts += random.int(2, 9) * MINUTE
  ) {
    const id = random.int(1, 2_000_000);
    const failures = random.int(1, 6);
    for (let attempt = 0; attempt <= failures; attempt += 1) {
      const status = attempt < failures ? 503 : 200;
      events.push(
        request(options.identity, ts + attempt * 2 ** attempt * 100, {
          path: `/api/orders/${id}`,
          status,
          bytes: status === 200 ? 1500 : 60,
        }),
      );
    }
  }
  return benign(`client ${options.identity.ip} retrying single records`, events);
}

/** The office NAT around a scraper: its people and its address must stay unlocked. */
export const SHARED_NAT = '198.51.100.40';

interface NatScraperOptions extends ScenarioOptions {
  readonly identity: Identity;
  readonly order: ScanOrder;
  readonly everyMs: number;
  readonly name: string;
}

/** One session behind the office NAT walking records: only its session and user may be locked. */
function natScraper(options: NatScraperOptions): Actor {
  const scan = idScan({
    ...options,
    count: 300,
    firstId: 40_000,
    route: '/api/customers',
    range: 1000,
    jitter: 0.2,
  });
  const subjects = scan.subjects.filter((s) => s.scope !== 'ip');
  return budgeted(100, { ...scan, subjects });
}

export function sharedAndPublicCast({ start, seed }: ScenarioOptions): Scenario {
  const s = (label: string) => deriveSeed(seed, label);
  const benignActors = [
    natOffice({
      start,
      seed: s('office'),
      ip: SHARED_NAT,
      durationMs: 3 * HOUR,
      users: 12,
      firstUser: 900,
      perMinute: 2,
    }),
    natOffice({
      start,
      seed: s('carrier'),
      ip: '198.51.100.41',
      durationMs: 2 * HOUR,
      users: 300,
      firstUser: 2000,
    }),
    publicCrawl({
      start,
      seed: s('googlebot'),
      identity: { ip: GOOGLEBOT_ADDRESS, userAgent: GOOGLEBOT_AGENT },
      trees: [
        { route: '/catalogue', pages: 3000 },
        { route: '/articles', pages: 800 },
      ],
      everyMs: 400,
    }),
    // Not a listed crawler, walking public pages in order all the same: public is public.
    publicCrawl({
      start: start + HOUR,
      seed: s('feed-reader'),
      identity: { ip: '192.0.2.222', userAgent: 'FeedFetcher/1.0' },
      trees: [{ route: '/news', pages: 600 }],
      everyMs: 1000,
    }),
    changedRecordsSync({
      start,
      seed: s('sync'),
      durationMs: 10 * HOUR,
      identity: { ip: '10.30.0.5', session: 's-crm-sync', user: 'svc-crm' },
    }),
    uptimeChecks({
      start,
      seed: s('uptime'),
      ips: ['192.0.2.241', '192.0.2.242', '2001:db8:99::10'],
      durationMs: 10 * HOUR,
    }),
    retries({
      start,
      seed: s('retries'),
      durationMs: 10 * HOUR,
      identity: { ip: '192.0.2.230', session: 's-flaky', user: 'flaky-client' },
    }),
  ];
  const attackers: Actor[] = [
    natScraper({
      start: start + 30 * MINUTE,
      seed: s('nat-scraper'),
      name: `session behind the office NAT ${SHARED_NAT}, ascending 1/s`,
      order: 'ascending',
      everyMs: 1000,
      identity: { ip: SHARED_NAT, session: 's-office-scraper', user: 'emp-scraper' },
    }),
    natScraper({
      start: start + 90 * MINUTE,
      seed: s('nat-scraper-2'),
      name: 'session (no user) behind the carrier NAT, shuffled 3/s',
      order: 'shuffled',
      everyMs: 333,
      identity: { ip: '198.51.100.41', session: 's-carrier-scraper' },
    }),
    budgeted(
      100,
      idScan({
        start: start + 2 * HOUR,
        seed: s('fake-googlebot'),
        name: 'claims to be Googlebot, walks /api/customers 2/s',
        identity: { ip: '203.0.113.150', userAgent: GOOGLEBOT_AGENT },
        count: 300,
        order: 'ascending',
        firstId: 70_000,
        route: '/api/customers',
        everyMs: 500,
        jitter: 0.2,
      }),
    ),
    budgeted(
      100,
      idScan({
        start: start + 4 * HOUR,
        seed: s('googlebot-records'),
        name: "Google's crawler network walking /api/invoices 1/s",
        identity: { ip: '66.249.66.30', userAgent: GOOGLEBOT_AGENT },
        count: 300,
        order: 'strided',
        stride: 3,
        firstId: 90_000,
        route: '/api/invoices',
        everyMs: 1000,
        jitter: 0.2,
      }),
    ),
  ];
  return { benign: benignActors, attackers };
}
