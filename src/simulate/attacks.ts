// Attackers: each alone on its own identity, each returning the subjects a rule
// must lock out. Paces are `everyMs` with an optional ± `jitter` fraction, so the
// same generator gives a 20/s burst or a scan of one id every 60–120 s.
import type { AccessEvent } from '../event/index.js';
import { request, subjectsOf, type Actor, type ActorOptions, type Subject } from './actor.js';
import { Random } from './random.js';

const MIB = 1024 * 1024;

export type ScanOrder = 'ascending' | 'descending' | 'strided' | 'shuffled';

export interface Pace {
  /** Mean time between requests. */
  readonly everyMs: number;
  /** Each gap varies by up to ± this fraction of `everyMs` (0: regular). */
  readonly jitter?: number;
}

/** Which ids a scan visits, and in what order. */
export interface IdWalk {
  readonly count: number;
  readonly order: ScanOrder;
  readonly firstId?: number;
  /** Id step of a strided scan. */
  readonly stride?: number;
  /** Ids a shuffled scan draws from: [firstId, firstId + range). */
  readonly range?: number;
}

export interface ScanOptions extends ActorOptions, Pace, IdWalk {
  /** Route prefix; the id is appended: `/api/users` → `/api/users/1042`. */
  readonly route?: string;
}

function attacker(name: string, events: AccessEvent[], subjects: readonly Subject[]): Actor {
  return { name, role: 'attacker', events, subjects };
}

/** Timestamps of `count` requests at the pace, from `start`. */
export function paced(random: Random, start: number, count: number, pace: Pace): number[] {
  const times: number[] = [];
  for (let i = 0, ts = start; i < count; i += 1) {
    times.push(ts);
    ts += pace.jitter ? random.jitter(pace.everyMs, pace.jitter) : pace.everyMs;
  }
  return times;
}

/** The ids a scan visits, in visiting order. */
export function scanIds(random: Random, options: IdWalk): number[] {
  const { count, firstId = 100_000, stride = 7 } = options;
  const at = (step: number) => Array.from({ length: count }, (_, i) => firstId + i * step);
  switch (options.order) {
    case 'ascending':
      return at(1);
    case 'descending':
      return at(-1);
    case 'strided':
      return at(stride);
    case 'shuffled': {
      const range = Math.max(count, options.range ?? count * 4);
      const pool = random.shuffle(Array.from({ length: range }, (_, i) => firstId + i));
      return pool.slice(0, count);
    }
  }
}

/** An id enumeration: every request a record that exists. */
export function idScan(options: ScanOptions): Actor {
  const random = new Random(options.seed);
  const route = options.route ?? '/api/users';
  const ids = scanIds(random, options);
  const events = paced(random, options.start, ids.length, options).map((ts, i) =>
    request(options.identity, ts, { path: `${route}/${ids[i]!}`, bytes: random.int(600, 2500) }),
  );
  return attacker(options.name ?? `${options.order} scan`, events, subjectsOf(options.identity));
}

export interface ProbeScanOptions extends ActorOptions, Pace {
  readonly count: number;
  readonly route?: string;
  /** Share of guesses that hit a record (200); the rest are 404. */
  readonly hitRate?: number;
}

/** Guessing ids far apart in a sparse id space: mostly 404. */
export function notFoundProbe(options: ProbeScanOptions): Actor {
  const { hitRate = 0.1, route = '/api/accounts' } = options;
  const random = new Random(options.seed);
  const events = paced(random, options.start, options.count, options).map((ts) => {
    const hit = random.chance(hitRate);
    const path = `${route}/${random.int(1, 2_000_000_000)}`;
    return request(options.identity, ts, {
      path,
      status: hit ? 200 : 404,
      bytes: hit ? random.int(600, 2500) : 150,
    });
  });
  return attacker(options.name ?? '404 probing', events, subjectsOf(options.identity));
}

export interface RotatingScanOptions extends Omit<ActorOptions, 'identity'>, Pace {
  readonly user: string;
  readonly count: number;
  readonly ipv4?: number;
  readonly ipv6?: number;
  readonly firstId?: number;
  readonly route?: string;
}

/** The addresses a rotating account uses: IPv4 in one /24, IPv6 each in its own /64. */
export function rotatingAddresses(ipv4: number, ipv6: number): string[] {
  const v4 = Array.from({ length: ipv4 }, (_, i) => `198.51.100.${100 + i}`);
  const v6 = Array.from({ length: ipv6 }, (_, i) => `2001:db8:5:${(i + 1).toString(16)}::${i + 7}`);
  return [...v4, ...v6];
}

/** One account walking ids in sequence while its requests hop over dozens of addresses. */
export function rotatingAccountScan(options: RotatingScanOptions): Actor {
  const { ipv4 = 40, ipv6 = 8, firstId = 50_000, route = '/api/orders' } = options;
  const random = new Random(options.seed);
  const addresses = rotatingAddresses(ipv4, ipv6);
  const events = paced(random, options.start, options.count, options).map((ts, i) => {
    const identity = { ip: random.pick(addresses), user: options.user };
    return request(identity, ts, { path: `${route}/${firstId + i}`, bytes: random.int(600, 2500) });
  });
  const subjects: Subject[] = [{ scope: 'user', subject: options.user }];
  return attacker(options.name ?? `account ${options.user} over many IPs`, events, subjects);
}

export interface ExportPullOptions extends ActorOptions, Pace {
  readonly pages: number;
  readonly route?: string;
  readonly minBytes?: number;
  readonly maxBytes?: number;
}

/** A session pulling export pages of several MB each. */
export function exportPull(options: ExportPullOptions): Actor {
  const { route = '/api/export/employees', minBytes = 3 * MIB, maxBytes = 6 * MIB } = options;
  const random = new Random(options.seed);
  const events = paced(random, options.start, options.pages, options).map((ts, i) =>
    request(options.identity, ts, {
      path: `${route}?page=${i + 1}`,
      bytes: random.int(minBytes, maxBytes),
      records: 500,
    }),
  );
  return attacker(options.name ?? 'export pages', events, subjectsOf(options.identity));
}
