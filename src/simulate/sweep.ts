// Distributed sweeps (issue 14, item 5) and addresses whose sessions are hostile
// (item 6): one route's ids walked in order by hundreds of addresses that each make a
// few requests (rotating proxies: no session, no user), a scraper on one address that
// takes a new session every 20–40 requests to stay under every per-session threshold,
// and the people a route-level detector must leave alone: hundreds of people with
// sessions opening random records of the same routes, and staff opening the newest
// tickets (ids clustered near the head).
//
// Addresses: sweeps in 100.64.0.0–100.93.255.255 (six /16s each) and 2001:db8:50::/48 (each
// its own /64), people in 100.96.0.0–100.111.255.255, the rotating scraper in
// 100.127.0.0/16, staff in 100.120.0.0/16.
import type { AccessEvent } from '../event/index.js';
import { byTime, request, subjectsOf, subjectsSeen, type Actor, type Identity } from './actor.js';
import { deriveSeed, Random } from './random.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Records routes the sweeps walk, and the people browse. */
export const SWEEP_ROUTES = ['/api/customers', '/api/invoices', '/api/contracts'] as const;

/** `random`: not a walk, ids drawn at random from `idSpace` ids from `firstId` on. */
export type SweepOrder = 'ascending' | 'descending' | 'strided' | 'shuffled' | 'random';

export interface SweepOptions {
  readonly start: number;
  readonly seed: number;
  /** Addresses taking part, each making 1–5 requests. */
  readonly addresses: number;
  /** The whole sweep's pace, requests per second. */
  readonly perSecond: number;
  readonly order: SweepOrder;
  readonly route: string;
  readonly firstId: number;
  /** Share of addresses that are IPv6 (each in its own /64). */
  readonly ipv6Share?: number;
  /** Which address pool (0–4): sweeps of one cast take different ones. */
  readonly pool?: number;
  /** `strided`: the stride (default 2–6 at random). */
  readonly stride?: number;
  /** `shuffled`: the width of the blocks shuffled (default 16–32 at random). */
  readonly shuffleWidth?: number;
  /** `random`: how many ids the draw covers (default 10^7). */
  readonly idSpace?: number;
  /** Requests each address makes, fewest and most (default 1–5). */
  readonly requestsEach?: readonly [number, number];
  /** A fresh fake session on every request (default: none). */
  readonly freshSessions?: boolean;
  /** Every address a fake account of its own, logged in (default: none). */
  readonly loggedIn?: boolean;
  /** Every address in one IPv6 /64 (2001:db8:5f:<pool>::/64), ignoring `ipv6Share`. */
  readonly oneSlash64?: boolean;
  /** The path's id segment as written for the i-th request (default: the id itself). */
  readonly dress?: (id: number, i: number) => string;
  /** The actor's name in reports (default: order, addresses and pace). */
  readonly name?: string;
}

/**
 * The ids walked: ascending, descending (the same ids, last first), by a stride (2–6),
 * shuffled within blocks (16–32), or at random (not a walk).
 */
function sweepIds(random: Random, count: number, options: SweepOptions): number[] {
  const { order, firstId } = options;
  if (order === 'strided') {
    const stride = options.stride ?? random.int(2, 6);
    return Array.from({ length: count }, (_, i) => firstId + i * stride);
  }
  if (order === 'random') {
    const space = options.idSpace ?? 10_000_000;
    return Array.from({ length: count }, () => firstId + random.int(0, space - 1));
  }
  const ids = Array.from({ length: count }, (_, i) =>
    order === 'descending' ? firstId + count - 1 - i : firstId + i,
  );
  if (order === 'shuffled') {
    const width = options.shuffleWidth ?? random.int(16, 32);
    for (let at = 0; at < count; at += width) {
      const chunk = random.shuffle(ids.slice(at, at + width));
      ids.splice(at, chunk.length, ...chunk);
    }
  }
  return ids;
}

/**
 * Distinct proxy addresses over six /16s of the pool's own (pool 0: 100.64–100.69, …)
 * and IPv6 /64s under 2001:db8:50:<pool>…, so two sweeps of a cast share none.
 */
function proxyAddresses(
  random: Random,
  count: number,
  ipv6Share: number,
  pool: number,
  oneSlash64 = false,
): Identity[] {
  const seen = new Set<string>();
  const out: Identity[] = [];
  while (out.length < count) {
    const ip = oneSlash64
      ? `2001:db8:5f:${pool}:${random.int(1, 0xfffe).toString(16)}:${random.int(1, 0xfffe).toString(16)}::${random.int(1, 0xfffe).toString(16)}`
      : random.chance(ipv6Share)
        ? `2001:db8:50:${pool}${random.int(0, 0xfff).toString(16).padStart(3, '0')}::${random.int(1, 0xfffe).toString(16)}`
        : `100.${64 + 6 * pool + random.int(0, 5)}.${random.int(0, 255)}.${random.int(1, 254)}`;
    if (seen.has(ip)) continue;
    seen.add(ip);
    out.push({ ip });
  }
  return out;
}

/**
 * One sweep: the addresses' requests interleaved at random (a proxy pool rotating),
 * the ids in walk order, one every 1/perSecond s (jittered). Any of its addresses
 * locked stops the sweep's first budget: 400 records for the whole sweep.
 */
export function distributedSweep(options: SweepOptions): Actor {
  const random = new Random(options.seed);
  const identities = proxyAddresses(
    random,
    options.addresses,
    options.ipv6Share ?? 0.15,
    options.pool ?? 0,
    options.oneSlash64,
  ).map((identity, n) =>
    options.loggedIn ? { ...identity, user: `acct-${options.seed}-${n}` } : identity,
  );
  const [fewest, most] = options.requestsEach ?? [1, 5];
  const slots = random.shuffle(
    identities.flatMap((identity) => Array<Identity>(random.int(fewest, most)).fill(identity)),
  );
  const ids = sweepIds(random, slots.length, options);
  const gap = SECOND / options.perSecond;
  const dress = options.dress ?? ((id: number) => String(id));
  const events = slots.map((identity, i) =>
    request(
      options.freshSessions ? { ...identity, session: `fresh-${options.seed}-${i}` } : identity,
      options.start + Math.round(i * gap) + random.int(0, Math.floor(gap / 2)),
      { path: `${options.route}/${dress(ids[i]!, i)}`, bytes: random.int(400, 3000) },
    ),
  );
  byTime(events);
  return {
    name:
      options.name ??
      `${options.order} sweep over ${options.addresses} addresses at ${options.perSecond}/s`,
    role: 'attacker',
    events,
    // Every address, session and user it used (an address without requests has none).
    subjects: subjectsSeen(events),
    budget: 400,
  };
}

export interface RotatingSessionOptions {
  readonly start: number;
  readonly seed: number;
  readonly ip: string;
  readonly count: number;
  readonly perSecond: number;
  readonly route: string;
  readonly firstId: number;
  /** Requests each session makes, fewest and most (default 20–40). */
  readonly sessionLength?: readonly [number, number];
}

/**
 * One address walking a route in order with a new session every 20–40 requests (under
 * every per-session threshold): it must end with its address locked (its sessions
 * are locked as they join the sweep its walk is; three of them lock the address).
 */
export function rotatingSessionScraper(options: RotatingSessionOptions): Actor {
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  let session = 0;
  let left = 0;
  for (let i = 0; i < options.count; i += 1) {
    if (left === 0) {
      session += 1;
      const [fewest, most] = options.sessionLength ?? [20, 40];
      left = random.int(fewest, most);
    }
    left -= 1;
    const identity = { ip: options.ip, session: `rot-${options.seed}-${session}` };
    const ts = options.start + Math.round((i * SECOND) / options.perSecond);
    events.push(request(identity, ts, { path: `${options.route}/${options.firstId + i}` }));
  }
  return {
    name: `rotating sessions on one address at ${options.perSecond}/s`,
    role: 'attacker',
    events,
    // Its sessions are fresh and cheap: only the address stops it.
    subjects: subjectsOf({ ip: options.ip }).filter((s) => s.scope === 'ip'),
    budget: 400,
  };
}

export interface ReaderOptions {
  readonly start: number;
  readonly seed: number;
  readonly route: string;
  readonly durationMs: number;
  /** Requests per second, all readers together. */
  readonly perSecond: number;
  /** The id the i-th request opens, at time `ts`. */
  readonly pick: (random: Random, ts: number) => number;
  /** Requests each reader makes, fewest and most (default 1–5). */
  readonly requestsEach?: readonly [number, number];
  /** Each reader with a session of its own (default: anonymous, no session). */
  readonly sessions?: boolean;
  readonly name: string;
}

/**
 * Anonymous readers of one route, each on an address of its own (100.96.0.0/12, as the
 * people), making a few requests each, the ids picked by `pick`: random records (the
 * benign traffic a sweep hides in), or the newest ones (a popular listing).
 */
export function routeReaders(options: ReaderOptions): Actor {
  const random = new Random(options.seed);
  const [fewest, most] = options.requestsEach ?? [1, 5];
  const total = Math.floor((options.durationMs / SECOND) * options.perSecond);
  const slots: Identity[] = [];
  for (let n = 0; slots.length < total; n += 1) {
    const identity: Identity = {
      ip: `100.${96 + (Math.floor(n / 65_024) % 16)}.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`,
      ...(options.sessions && { session: `reader-${options.seed}-${n}` }),
    };
    const count = random.int(fewest, most);
    for (let k = 0; k < count && slots.length < total; k += 1) slots.push(identity);
  }
  const gap = SECOND / options.perSecond;
  const events = random.shuffle(slots).map((identity, i) => {
    const ts = options.start + Math.round(i * gap) + random.int(0, Math.floor(gap / 2));
    const path = `${options.route}/${options.pick(random, ts)}`;
    return request(identity, ts, { path, bytes: random.int(400, 3000) });
  });
  byTime(events);
  return { name: options.name, role: 'benign', events, subjects: subjectsSeen(events) };
}

/** People, each on an address of their own with a session, opening random records. */
export function recordBrowsers(
  start: number,
  seed: number,
  people: number,
  durationMs: number,
): Actor {
  const events: AccessEvent[] = [];
  for (let p = 0; p < people; p += 1) {
    const random = new Random(deriveSeed(seed, `browser-${p}`));
    const identity = {
      ip: `100.${random.int(96, 111)}.${random.int(0, 255)}.${random.int(1, 254)}`,
      session: `browse-${seed}-${p}`,
    };
    for (let ts = start + random.int(0, MINUTE); ts < start + durationMs;) {
      const path = `${random.pick(SWEEP_ROUTES)}/${random.int(1, 2_000_000)}`;
      events.push(request(identity, ts, { path, bytes: random.int(400, 3000) }));
      ts += random.int(20 * SECOND, 120 * SECOND);
    }
  }
  byTime(events);
  return {
    name: `${people} people with sessions opening random records`,
    role: 'benign',
    events,
    subjects: subjectsSeen(events),
  };
}

/** Staff (logged in) opening the newest tickets: ids near a head that grows. */
export function newestTicketStaff(
  start: number,
  seed: number,
  staff: number,
  durationMs: number,
): Actor {
  const events: AccessEvent[] = [];
  const headAt = (ts: number) => 50_000 + Math.floor((ts - start) / (20 * SECOND));
  for (let s = 0; s < staff; s += 1) {
    const random = new Random(deriveSeed(seed, `staff-${s}`));
    const identity = { ip: `100.120.${s}.10`, session: `desk-${seed}-${s}`, user: `agent${s}` };
    for (let ts = start + random.int(0, MINUTE); ts < start + durationMs;) {
      const path = `/api/tickets/${headAt(ts) - random.int(0, 30)}`;
      events.push(request(identity, ts, { path, bytes: random.int(400, 3000) }));
      ts += random.int(30 * SECOND, 90 * SECOND);
    }
  }
  byTime(events);
  return {
    name: `${staff} staff opening the newest tickets`,
    role: 'benign',
    events,
    subjects: subjectsSeen(events),
  };
}

/** The cast: sweeps of every order and pace, the rotating scraper, and the people. */
export function sweepCast(options: { start: number; seed: number }): {
  benign: Actor[];
  attackers: Actor[];
} {
  const { start, seed } = options;
  const random = new Random(deriveSeed(seed, 'sweep-cast'));
  const plans: { addresses: number; perSecond: number; order: SweepOrder }[] = [
    { addresses: 400, perSecond: 10, order: 'ascending' },
    { addresses: 200, perSecond: 1, order: 'ascending' },
    { addresses: 800, perSecond: 50, order: 'strided' },
    { addresses: 500, perSecond: 5, order: 'shuffled' },
    { addresses: 300, perSecond: 2, order: 'strided' },
  ];
  const attackers = plans.map((plan, i) =>
    distributedSweep({
      ...plan,
      // An hour apart, each on a route of its own for the hour it runs.
      start: start + i * 60 * MINUTE + random.int(0, 5 * MINUTE),
      seed: deriveSeed(seed, `sweep-${i}`),
      pool: i,
      route: SWEEP_ROUTES[i % SWEEP_ROUTES.length]!,
      firstId: random.int(10_000, 1_500_000),
    }),
  );
  attackers.push(
    rotatingSessionScraper({
      start: start + 30 * MINUTE,
      seed: deriveSeed(seed, 'rotating'),
      ip: '100.127.3.7',
      count: 600,
      perSecond: 2,
      route: '/api/orders',
      firstId: random.int(10_000, 900_000),
    }),
  );
  const durationMs = 6 * 60 * MINUTE;
  const benign = [
    recordBrowsers(start, deriveSeed(seed, 'browsers'), 300, durationMs),
    newestTicketStaff(start, deriveSeed(seed, 'staff'), 25, durationMs),
  ];
  return { benign, attackers };
}
