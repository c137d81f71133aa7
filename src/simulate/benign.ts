// Benign actors: the traffic a detector must leave alone. Each one is a pattern
// that looks a little like an attack on one axis (many requests from one address,
// sequential ids, large responses, a flood of polls) and is not one.
import type { AccessEvent } from '../event/index.js';
import {
  benignActor as benign,
  request,
  type Actor,
  type ActorOptions,
  type Identity,
} from './actor.js';
import { deriveSeed, Random } from './random.js';

const MINUTE = 60_000;
/** Record routes people open one at a time. */
export const RECORD_ROUTES = ['/api/users', '/api/orders', '/api/messages'] as const;

function recordBytes(random: Random): number {
  return random.int(400, 3000);
}

export interface NatOfficeOptions extends Omit<ActorOptions, 'identity'> {
  /** The one public address every user shares. */
  readonly ip: string;
  readonly durationMs: number;
  readonly users?: number;
  /** Users are emp<firstUser>…, so several offices need not share people. */
  readonly firstUser?: number;
  readonly perMinute?: number;
  /** Records are ids 1..tableSize. */
  readonly tableSize?: number;
}

/** Hundreds of people behind one corporate NAT, each opening random records. */
export function natOffice(options: NatOfficeOptions): Actor {
  const { users = 300, firstUser = 1, perMinute = 4, tableSize = 2_000_000 } = options;
  const events: AccessEvent[] = [];
  for (let u = firstUser; u < firstUser + users; u += 1) {
    const random = new Random(deriveSeed(options.seed, `nat-user-${u}`));
    const identity = { ip: options.ip, session: `nat-s-${options.seed}-${u}`, user: `emp${u}` };
    const end = options.start + options.durationMs;
    for (let ts = options.start + random.int(0, MINUTE); ts < end;) {
      const route = random.pick(RECORD_ROUTES);
      const status = random.chance(0.01) ? 404 : 200;
      const path = `${route}/${random.int(1, tableSize)}`;
      events.push(request(identity, ts, { path, status, bytes: recordBytes(random) }));
      ts += random.jitter(MINUTE / perMinute, 0.8);
    }
  }
  return benign(options.name ?? `NAT ${options.ip} (${users} users)`, events);
}

export interface CdnWarmerOptions extends ActorOptions {
  readonly count: number;
  readonly everyMs?: number;
  readonly firstId?: number;
}

/** A CDN warming its cache: sequential thumbnails, fast. Static assets. */
export function cdnWarmer(options: CdnWarmerOptions): Actor {
  const { count, everyMs = 50, firstId = 1 } = options;
  const random = new Random(options.seed);
  const events = Array.from({ length: count }, (_, i) =>
    request(options.identity, options.start + i * everyMs, {
      path: `/media/thumbs/${firstId + i}.jpg`,
      bytes: random.int(3000, 9000),
    }),
  );
  return benign(options.name ?? 'CDN warmer', events);
}

export interface StaffOptions extends ActorOptions {
  readonly durationMs: number;
  readonly perMinute?: number;
  readonly tableSize?: number;
}

/**
 * A member of staff opening records by hand: random ids in a large table, now and
 * then the same record again, or the next one along.
 */
export function staffBrowsing(options: StaffOptions): Actor {
  const { perMinute = 3, tableSize = 2_000_000 } = options;
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  const end = options.start + options.durationMs;
  let id = random.int(1, tableSize);
  for (let ts = options.start; ts < end; ts += random.jitter(MINUTE / perMinute, 0.9)) {
    const roll = random.float();
    if (roll < 0.03) id += random.int(1, 5);
    else if (roll >= 0.13) id = random.int(1, tableSize);
    // 0.03 ≤ roll < 0.13: the same record again.
    const path = `${random.pick(RECORD_ROUTES)}/${id}`;
    events.push(request(options.identity, ts, { path, bytes: recordBytes(random) }));
  }
  return benign(options.name ?? `staff ${options.identity.user ?? options.identity.ip}`, events);
}

export interface MobileSyncOptions extends ActorOptions {
  readonly durationMs: number;
  readonly everyMs?: number;
  readonly messages?: number;
  /** Id of the newest message at the start. */
  readonly newestId?: number;
}

/** A mobile app fetching its latest messages, one by one, every `everyMs`. */
export function mobileSync(options: MobileSyncOptions): Actor {
  const { everyMs = 15 * MINUTE, messages = 30 } = options;
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  let newest = options.newestId ?? random.int(100_000, 900_000);
  for (let at = options.start; at < options.start + options.durationMs; at += everyMs) {
    newest += random.int(0, 6);
    for (let i = 0; i < messages; i += 1) {
      const path = `/api/messages/${newest - messages + 1 + i}`;
      events.push(request(options.identity, at + i * 120, { path, bytes: recordBytes(random) }));
    }
  }
  return benign(options.name ?? `mobile app ${options.identity.user ?? ''}`.trim(), events);
}

export interface ProbeOptions extends Omit<ActorOptions, 'identity'> {
  readonly ips: readonly string[];
  readonly durationMs: number;
  readonly everyMs?: number;
}

/** Health and readiness probes from a few internal addresses. */
export function healthProbes(options: ProbeOptions): Actor {
  const { everyMs = 5000 } = options;
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  options.ips.forEach((ip, n) => {
    const offset = random.int(0, everyMs);
    for (let ts = options.start + offset; ts < options.start + options.durationMs; ts += everyMs) {
      const path = (ts / everyMs + n) % 2 < 1 ? '/healthz' : '/readyz';
      events.push(request({ ip, userAgent: 'kube-probe/1.29' }, ts, { path, bytes: 2 }));
    }
  });
  return benign(options.name ?? 'health probes', events);
}

export interface MonthlyExportOptions extends ActorOptions {
  readonly pages?: number;
}

/** One user's monthly export: a few pages of 1.5–3 MB, a minute apart. */
export function monthlyExport(options: MonthlyExportOptions): Actor {
  const { pages = 2 } = options;
  const random = new Random(options.seed);
  const events = Array.from({ length: pages }, (_, i) => {
    const bytes = random.int(1_500_000, 3_000_000);
    const path = `/api/export/monthly-report?month=2015-04&page=${i + 1}`;
    return request(options.identity, options.start + i * MINUTE, {
      path,
      bytes,
      records: Math.round(bytes / 2000),
    });
  });
  return benign(options.name ?? 'monthly export', events);
}

/** Several staff members on their own addresses, for `hours` each. */
export function staffTeam(start: number, seed: number, hours: number, people: number): Actor[] {
  return Array.from({ length: people }, (_, n) => {
    const identity: Identity = {
      ip: `10.20.0.${n + 10}`,
      session: `staff-s-${n + 1}`,
      user: `staff${n + 1}`,
    };
    const options = { start, seed: deriveSeed(seed, `staff-${n}`), identity };
    return staffBrowsing({ ...options, durationMs: hours * 3_600_000 });
  });
}
