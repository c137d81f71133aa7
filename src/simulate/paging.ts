// Paging and large answers (issue 14, items 1 and 4): attackers reading a collection
// page after page (`?page=`, `?offset=`, `?cursor=`, with and without `records` in the
// log) or pulling large search answers again and again, and the people and jobs that
// look a little like them: staff paging lists by hand, an integration syncing changed
// records in bursts, a person downloading their own data once, a polled dashboard.
// Attackers' `budget` is pages (paging) or requests (large answers); the records and
// bytes they took are read off their events (see PAGING_BUDGET, VOLUME_BUDGET).
import type { AccessEvent } from '../event/index.js';
import {
  benignActor as benign,
  budgeted,
  request,
  subjectsOf,
  type Actor,
  type ActorOptions,
  type Identity,
} from './actor.js';
import { paced, type Pace } from './attacks.js';
import { deriveSeed, Random } from './random.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const KIB = 1024;
const MIB = 1024 * KIB;

/** Issue 14 item 1: what a paging actor may get before its first lockout. */
export const PAGING_BUDGET = { pages: 50, records: 5000 } as const;
/** Issue 14 item 4: what a puller of large answers may get before its first lockout. */
export const VOLUME_BUDGET = { requests: 60, bytes: 40 * MIB } as const;

/** How a walk names its position: page numbers, offsets, or opaque cursors. */
export type PageStyle = 'page' | 'offset' | 'cursor';

export interface PagingWalkOptions extends ActorOptions, Pace {
  readonly pages: number;
  /** Routes the walk takes turns on (aliases of one collection). */
  readonly routes?: readonly string[];
  readonly style?: PageStyle;
  /** The `limit` asked for; undefined: none (the service's default page). */
  readonly limit?: number;
  /** Parameter names the walk takes turns on for the limit, e.g. [limit, per_page]. */
  readonly limitNames?: readonly string[];
  /** Log `records` (the page's rows) on each event; else the log carries only the limit. */
  readonly logRecords?: boolean;
  /** Rows a page holds when no limit is asked (the service's default). */
  readonly defaultPage?: number;
}

/** An opaque cursor, as services hand them out: base64url of the last row. */
function cursorOf(random: Random, row: number): string {
  const text = `row:${row}:${random.int(0, 1e9)}`;
  return Buffer.from(text).toString('base64url');
}

/** The query of page `index` (0 = the first page) in the walk's style. */
function pageQuery(random: Random, options: PagingWalkOptions, index: number): string {
  const size = options.limit ?? options.defaultPage ?? 50;
  const names = options.limitNames ?? ['limit'];
  const limit =
    options.limit === undefined ? '' : `&${names[index % names.length]!}=${options.limit}`;
  switch (options.style ?? 'page') {
    case 'page':
      return `page=${index + 1}${limit}`;
    case 'offset':
      return `offset=${index * size}${limit}`;
    case 'cursor':
      return index === 0 ? limit.slice(1) : `cursor=${cursorOf(random, index * size)}${limit}`;
  }
}

/** One actor reading a collection from its first page on, at a pace. */
export function pagingWalk(options: PagingWalkOptions): Actor {
  const random = new Random(options.seed);
  const routes = options.routes ?? ['/api/customers'];
  const rows = options.limit ?? options.defaultPage ?? 50;
  const events = paced(random, options.start, options.pages, options).map((ts, i) => {
    const query = pageQuery(random, options, i);
    return request(options.identity, ts, {
      path: `${routes[i % routes.length]!}${query === '' ? '' : `?${query}`}`,
      bytes: rows * random.int(300, 900),
      ...(options.logRecords && { records: rows }),
    });
  });
  const name = options.name ?? `${options.style ?? 'page'} walk`;
  return { name, role: 'attacker', events, subjects: subjectsOf(options.identity) };
}

export interface LargeAnswerOptions extends ActorOptions, Pace {
  readonly count: number;
  readonly route?: string;
  readonly minBytes: number;
  readonly maxBytes: number;
}

/** A search endpoint queried again and again, each answer hundreds of kilobytes. */
export function largeAnswerPull(options: LargeAnswerOptions): Actor {
  const random = new Random(options.seed);
  const route = options.route ?? '/api/customers/search';
  const events = paced(random, options.start, options.count, options).map((ts) =>
    request(options.identity, ts, {
      path: `${route}?q=${random.int(1000, 9999)}&sort=name`,
      bytes: random.int(options.minBytes, options.maxBytes),
    }),
  );
  const name = options.name ?? 'search pull';
  return { name, role: 'attacker', events, subjects: subjectsOf(options.identity) };
}

export interface HandPagingOptions extends ActorOptions {
  readonly durationMs: number;
  /** Lists the person works through during the duration, each 5–20 pages. */
  readonly lists?: number;
}

const LISTS = ['/api/customers', '/api/invoices', '/api/orders', '/api/tickets'] as const;

/**
 * A member of staff paging lists by hand: a list every so often, 5–20 pages each,
 * seconds to minutes apart, now and then back to the page before (a record opened,
 * then back to the list), sometimes with "show 100" per page.
 */
export function handPaging(options: HandPagingOptions): Actor {
  const { lists = 4 } = options;
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  const slot = options.durationMs / lists;
  for (let n = 0; n < lists; n += 1) {
    const route = random.pick(LISTS);
    const perPage = random.pick([20, 25, 50, 100]);
    const logged = random.chance(0.5);
    const pages = random.int(5, 20);
    let ts = options.start + n * slot + random.int(0, slot / 3);
    const get = (page: number) => {
      const path = `${route}?page=${page}&per_page=${perPage}&sort=-updated`;
      const fields = { path, bytes: perPage * random.int(300, 900) };
      events.push(request(options.identity, ts, logged ? { ...fields, records: perPage } : fields));
    };
    for (let page = 1; page <= pages; page += 1) {
      get(page);
      ts += random.chance(0.7) ? random.int(5, 60) * SECOND : random.int(1, 4) * MINUTE;
      if (page > 1 && random.chance(0.2)) {
        get(page); // back to the list after opening a record
        ts += random.int(5, 40) * SECOND;
      }
    }
  }
  return benign(options.name ?? `hand paging ${options.identity.user ?? ''}`.trim(), events);
}

export interface SyncJobOptions extends ActorOptions {
  readonly durationMs: number;
  readonly everyMs?: number;
  readonly limit?: number;
}

/** An integration pulling what changed since its last run: pages 1..3 every 15 min. */
export function changeSync(options: SyncJobOptions): Actor {
  const { everyMs = 15 * MINUTE, limit = 200 } = options;
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  let since = options.start - everyMs;
  for (let at = options.start; at < options.start + options.durationMs; at += everyMs) {
    const changed = random.int(0, 3 * limit - 1);
    const pages = Math.max(1, Math.ceil(changed / limit));
    for (let page = 1; page <= pages; page += 1) {
      const records = Math.min(limit, changed - (page - 1) * limit);
      const stamp = new Date(since).toISOString();
      const path = `/api/contacts?updatedSince=${stamp}&page=${page}&limit=${limit}`;
      const ts = at + (page - 1) * 800;
      events.push(request(options.identity, ts, { path, bytes: records * 700, records }));
    }
    since = at;
  }
  return benign(options.name ?? 'change sync every 15 min', events);
}

/** One person downloading their own data, once: a single large answer. */
export function ownDataDownload(options: ActorOptions & { readonly bytes?: number }): Actor {
  const { bytes = 25 * MIB } = options;
  const events = [request(options.identity, options.start, { path: '/api/me/data', bytes })];
  return benign(options.name ?? 'own data download', events);
}

export interface PolledOptions extends ActorOptions {
  readonly durationMs: number;
  readonly everyMs?: number;
  readonly bytes?: number;
}

/** A dashboard polled every minute, each answer about 150 KB. */
export function polledDashboard(options: PolledOptions): Actor {
  const { everyMs = MINUTE, bytes = 150 * KIB } = options;
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  for (let ts = options.start; ts < options.start + options.durationMs; ts += everyMs) {
    const path = '/api/dashboard/sales?range=24h&page=1&limit=100';
    events.push(request(options.identity, ts, { path, bytes: random.jitter(bytes, 0.1) }));
  }
  return benign(options.name ?? 'dashboard polled every minute', events);
}

/** An analyst searching by hand: large answers, a few a minute at most, in bursts. */
export function handSearch(options: ActorOptions & { readonly durationMs: number }): Actor {
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  const end = options.start + options.durationMs;
  for (let ts = options.start; ts < end; ts += random.int(20, 40) * MINUTE) {
    const burst = random.int(3, 12);
    for (let i = 0, at = ts; i < burst; i += 1, at += random.int(15, 90) * SECOND) {
      const path = `/api/customers/search?q=${random.int(1000, 9999)}`;
      events.push(request(options.identity, at, { path, bytes: random.int(300, 700) * KIB }));
    }
  }
  return benign(options.name ?? 'analyst searching by hand', events);
}

/** What one paging attacker is: its pace, style, limit, and whether `records` is logged. */
interface WalkPlan {
  readonly label: string;
  readonly pace: Pace;
  readonly style: PageStyle;
  readonly limit?: number;
  readonly logRecords: boolean;
  readonly routes?: readonly string[];
  readonly limitNames?: readonly string[];
  readonly session?: boolean;
}

const WALKS: readonly WalkPlan[] = [
  {
    label: 'page 1/s, limit 1000, records logged',
    pace: { everyMs: SECOND },
    style: 'page',
    limit: 1000,
    logRecords: true,
  },
  {
    label: 'page 1 per 10 s, limit 100, no records',
    pace: { everyMs: 10 * SECOND, jitter: 0.3 },
    style: 'page',
    limit: 100,
    logRecords: false,
    session: true,
  },
  {
    label: 'page 1/min, no limit, no records',
    pace: { everyMs: MINUTE, jitter: 0.1 },
    style: 'page',
    logRecords: false,
  },
  {
    label: 'offset 1/min, limit 500, records logged',
    pace: { everyMs: MINUTE, jitter: 0.1 },
    style: 'offset',
    limit: 500,
    logRecords: true,
    session: true,
  },
  {
    label: 'offset 1/s, limit 100, no records',
    pace: { everyMs: SECOND, jitter: 0.2 },
    style: 'offset',
    limit: 100,
    logRecords: false,
  },
  {
    label: 'cursor 1 per 10 s, limit 1000, no records',
    pace: { everyMs: 10 * SECOND },
    style: 'cursor',
    limit: 1000,
    logRecords: false,
    session: true,
  },
  {
    label: 'cursor 1/min, limit 100, records logged',
    pace: { everyMs: MINUTE, jitter: 0.2 },
    style: 'cursor',
    limit: 100,
    logRecords: true,
  },
  {
    label: 'page over two route aliases, limit and per_page in turn, 500, 1 per 10 s',
    pace: { everyMs: 10 * SECOND, jitter: 0.5 },
    style: 'page',
    limit: 500,
    logRecords: false,
    routes: ['/api/customers', '/api/v2/customers'],
    limitNames: ['limit', 'per_page'],
    session: true,
  },
];

const PULLS: readonly { label: string; pace: Pace; minKb: number; maxKb: number }[] = [
  {
    label: 'search pull 900 KB every 2 s',
    pace: { everyMs: 2 * SECOND, jitter: 0.2 },
    minKb: 850,
    maxKb: 900,
  },
  {
    label: 'search pull 300–900 KB every 20 s',
    pace: { everyMs: 20 * SECOND, jitter: 0.3 },
    minKb: 300,
    maxKb: 900,
  },
  {
    label: 'search pull 300 KB every 5 s',
    pace: { everyMs: 5 * SECOND, jitter: 0.2 },
    minKb: 300,
    maxKb: 320,
  },
];

/** The cast of issue 14 items 1 and 4 over eight hours from `start`. */
export function pagingCast({ start, seed }: { start: number; seed: number }): {
  benign: Actor[];
  attackers: Actor[];
} {
  const s = (label: string) => deriveSeed(seed, label);
  const walks = WALKS.map((plan, n) => {
    const identity: Identity = {
      ip: `192.0.2.${110 + n}`,
      ...(plan.session && { session: `pg-atk-${n + 1}`, user: `pg-intruder${n + 1}` }),
    };
    const actor = pagingWalk({
      start: start + n * 20 * MINUTE,
      seed: s(`walk-${n}`),
      identity,
      pages: 80,
      ...plan,
      ...plan.pace,
      name: `paging: ${plan.label}`,
    });
    return budgeted(PAGING_BUDGET.pages, actor);
  });
  const pulls = PULLS.map((plan, n) => {
    const identity: Identity = { ip: `192.0.2.${130 + n}`, session: `pg-pull-${n + 1}` };
    const actor = largeAnswerPull({
      start: start + 30 * MINUTE + n * 40 * MINUTE,
      seed: s(`pull-${n}`),
      identity,
      count: 90,
      ...plan.pace,
      minBytes: plan.minKb * KIB,
      maxBytes: plan.maxKb * KIB,
      name: `large answers: ${plan.label}`,
    });
    return budgeted(VOLUME_BUDGET.requests, actor);
  });
  const day = 8 * HOUR;
  const staff = [1, 2, 3, 4, 5, 6].map((n) =>
    handPaging({
      start: start + n * 7 * MINUTE,
      seed: s(`hand-${n}`),
      identity: { ip: `192.0.2.${150 + n}`, session: `pg-staff-s${n}`, user: `pg-staff${n}` },
      durationMs: day,
      lists: 3 + (n % 4),
      name: `staff paging by hand ${n}`,
    }),
  );
  const benignActors = [
    ...staff,
    changeSync({
      start,
      seed: s('sync'),
      identity: { ip: '192.0.2.170', user: 'crm-sync' },
      durationMs: day,
    }),
    ownDataDownload({
      start: start + 2 * HOUR,
      seed: s('own-data'),
      identity: { ip: '192.0.2.171', session: 'pg-own-s1', user: 'pg-alice' },
    }),
    polledDashboard({
      start,
      seed: s('dashboard'),
      identity: { ip: '192.0.2.172', session: 'pg-wallboard', user: 'pg-wallboard' },
      durationMs: day,
    }),
    handSearch({
      start: start + 10 * MINUTE,
      seed: s('search'),
      identity: { ip: '192.0.2.173', session: 'pg-analyst-s', user: 'pg-analyst' },
      durationMs: day,
    }),
  ];
  return { benign: benignActors, attackers: [...walks, ...pulls] };
}
