// The traffic of the replay bench log, one event at a time, deterministic: a seeded
// PRNG, no Math.random, no wall clock. Per line: benign traffic from 20,000 users
// (sessions, users) behind 6,000 addresses plus 10,000 anonymous addresses (one in ten
// IPv6): API reads of numeric and UUID ids, collections with query strings, pages,
// static assets, health probes, a few exports, ~5 % errors. About 1.5 % of lines come
// from seven attackers: sequential, strided, shuffled and slow id scans, a session
// scraping objects, a 404 prober and a bulk exporter. Event time moves 1–5 ms a line;
// one line in five is 0–40 ms early.
import { mulberry32 } from '../src/simulate/random.js';

const SEED = 0x5eed_2026;
const START_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

export interface LogEvent {
  ts: number;
  ip: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  session?: string;
  user?: string;
  userAgent?: string;
  records?: number;
}

/** The simulator's seeded generator (mulberry32): the same log on every machine. */
export const prng = mulberry32;

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'okhttp/4.12.0',
  'ShopApp/5.2.1 (Android 14; Pixel 8)',
];
const RESOURCES = ['users', 'orders', 'products', 'invoices', 'customers', 'messages'];
const PAGES = ['/', '/account', '/cart', '/checkout', '/help/faq', '/products', '/login'];
const SLUGS = ['red-running-shoes', 'usb-c-cable-2m', 'winter-jacket-xl', 'espresso-machine'];
const STATIC = [
  '/static/js/app.3f9c2a1b.js',
  '/static/js/vendor.8d41e0c7.js',
  '/static/css/main.77ab10fe.css',
  '/static/fonts/inter-var.woff2',
  '/favicon.ico',
];
const WORDS = ['shoes', 'cable', 'jacket', 'coffee', 'lamp', 'desk', 'phone case', 'gift'];

type Rand = () => number;

function pick<T>(rand: Rand, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

function int(rand: Rand, below: number): number {
  return Math.floor(rand() * below);
}

function hex(rand: Rand, digits: number): string {
  let text = '';
  for (let i = 0; i < digits; i++) text += '0123456789abcdef'[int(rand, 16)];
  return text;
}

function ipv4(rand: Rand): string {
  return `${1 + int(rand, 222)}.${int(rand, 256)}.${int(rand, 256)}.${1 + int(rand, 254)}`;
}

function ipv6(rand: Rand): string {
  return `2001:db8:${hex(rand, 4)}:${hex(rand, 4)}::${hex(rand, 3)}`;
}

interface Actor {
  readonly ip: string;
  readonly session?: string;
  readonly user?: string;
  readonly userAgent: string;
}

function makeActors(rand: Rand): { users: Actor[]; anonymous: Actor[] } {
  const userIps = Array.from({ length: 6_000 }, () => (rand() < 0.1 ? ipv6(rand) : ipv4(rand)));
  const users = Array.from({ length: 20_000 }, (_, i) => ({
    ip: pick(rand, userIps),
    session: `s-${hex(rand, 16)}`,
    user: `user${String(i).padStart(5, '0')}@example.com`,
    userAgent: pick(rand, USER_AGENTS),
  }));
  const anonymous = Array.from({ length: 10_000 }, () => ({
    ip: rand() < 0.1 ? ipv6(rand) : ipv4(rand),
    userAgent: pick(rand, USER_AGENTS),
  }));
  return { users, anonymous };
}

function benignStatus(rand: Rand, ok: number): number {
  const r = rand();
  if (r < 0.03) return 404;
  if (r < 0.04) return r < 0.035 ? 401 : 403;
  if (r < 0.045) return 500;
  return ok;
}

/** One benign request: what a person's browser or the mobile app sends. */
function benignEvent(rand: Rand, actors: ReturnType<typeof makeActors>, ts: number): LogEvent {
  const r = rand();
  const signedIn = rand() < 0.7;
  const actor = signedIn ? pick(rand, actors.users) : pick(rand, actors.anonymous);
  const base = { ts, ...actor };
  if (r < 0.4) {
    const resource = pick(rand, RESOURCES);
    const id = 1 + int(rand, 2_000_000);
    const sub = rand() < 0.15 ? '/items' : '';
    const m = rand();
    const method = m < 0.85 ? 'GET' : m < 0.93 ? 'PUT' : m < 0.98 ? 'POST' : 'DELETE';
    const status = benignStatus(rand, method === 'POST' ? 201 : 200);
    const bytes = status >= 400 ? 120 + int(rand, 200) : 300 + int(rand, 4_000);
    return { ...base, method, path: `/api/${resource}/${id}${sub}`, status, bytes };
  }
  if (r < 0.5) {
    const path =
      rand() < 0.5
        ? `/api/products?page=${1 + int(rand, 40)}&sort=price`
        : `/api/search?q=${encodeURIComponent(pick(rand, WORDS))}&limit=20`;
    return {
      ...base,
      method: 'GET',
      path,
      status: benignStatus(rand, 200),
      bytes: 2_000 + int(rand, 30_000),
    };
  }
  if (r < 0.55) {
    const uuid = `${hex(rand, 8)}-${hex(rand, 4)}-4${hex(rand, 3)}-a${hex(rand, 3)}-${hex(rand, 12)}`;
    return {
      ...base,
      method: 'GET',
      path: `/api/documents/${uuid}`,
      status: benignStatus(rand, 200),
      bytes: 5_000 + int(rand, 90_000),
    };
  }
  if (r < 0.65) {
    const path = rand() < 0.7 ? pick(rand, PAGES) : `/products/${pick(rand, SLUGS)}`;
    return {
      ...base,
      method: 'GET',
      path,
      status: benignStatus(rand, 200),
      bytes: 8_000 + int(rand, 40_000),
    };
  }
  if (r < 0.97) {
    const path =
      rand() < 0.6 ? pick(rand, STATIC) : `/images/products/${1 + int(rand, 50_000)}.jpg`;
    const status = rand() < 0.3 ? 304 : 200;
    return {
      ...base,
      method: 'GET',
      path,
      status,
      bytes: status === 304 ? 0 : 1_000 + int(rand, 200_000),
    };
  }
  if (r < 0.99) {
    const path = rand() < 0.5 ? '/healthz' : '/metrics';
    return {
      ts,
      ip: '10.0.0.5',
      method: 'GET',
      path,
      status: 200,
      bytes: 60,
      userAgent: 'kube-probe/1.31',
    };
  }
  const records = 10 + int(rand, 400);
  const path = `/api/reports/export?format=csv&from=2025-12-01`;
  return { ...base, method: 'GET', path, status: 200, bytes: records * 180, records };
}

/** A source of attack requests: each call gives its next request at `ts`. */
type Attacker = (ts: number) => LogEvent;

function scanner(
  ip: string,
  route: string,
  from: number,
  step: number,
  extra: Partial<LogEvent> = {},
): Attacker {
  let id = from;
  return (ts) => {
    const path = route.replace('{id}', String(id));
    id += step;
    return {
      ts,
      ip,
      method: 'GET',
      path,
      status: 200,
      bytes: 900,
      userAgent: 'python-requests/2.32.3',
      ...extra,
    };
  };
}

function shuffledScanner(rand: Rand, ip: string, route: string, from: number): Attacker {
  let block = from;
  let order: number[] = [];
  return (ts) => {
    if (order.length === 0) {
      order = Array.from({ length: 64 }, (_, i) => block + i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = int(rand, i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      block += 64;
    }
    const path = route.replace('{id}', String(order.pop()));
    return { ts, ip, method: 'GET', path, status: 200, bytes: 2_400, userAgent: 'curl/8.5.0' };
  };
}

function makeAttackers(rand: Rand): { attacker: Attacker; every: number }[] {
  const prober: Attacker = (ts) => ({
    ts,
    ip: '198.51.100.66',
    method: 'GET',
    path: `/${pick(rand, ['admin', 'backup', '.git', 'wp-admin', 'api/v0', 'internal'])}/${hex(rand, 6)}`,
    status: rand() < 0.9 ? 404 : 403,
    bytes: 150,
    userAgent: 'Mozilla/5.0 zgrab/0.x',
  });
  const exporter: Attacker = (ts) => ({
    ts,
    ip: '192.0.2.200',
    method: 'GET',
    path: `/api/reports/export?format=csv&page=${int(rand, 1000)}`,
    status: 200,
    bytes: 900_000,
    records: 5_000,
    session: 's-exporter0000001',
    user: 'ops-bot@example.com',
  });
  // `every`: one request every that many lines (~3 ms a line). Primes, so two attackers
  // rarely want the same line (the first listed would take it).
  return [
    { attacker: scanner('203.0.113.7', '/api/users/{id}', 100_000, 1), every: 307 },
    {
      attacker: scanner('198.51.100.23', '/api/invoices/{id}', 900_000, -7, {
        status: 404,
        bytes: 150,
      }),
      every: 503,
    },
    { attacker: shuffledScanner(rand, '192.0.2.50', '/api/orders/{id}/items', 50_000), every: 251 },
    { attacker: scanner('2001:db8:77:1::9', '/api/customers/{id}', 300, 1), every: 6_007 },
    {
      attacker: scanner('203.0.113.30', '/api/customers/{id}', 10, 113, {
        session: 's-wide00000000001',
        user: 'mallory@example.com',
      }),
      every: 401,
    },
    { attacker: prober, every: 353 },
    { attacker: exporter, every: 1_499 },
  ];
}

/** The events of the log, in file order, one at a time. */
export function* events(lines: number, seed = SEED): Generator<LogEvent> {
  const rand = prng(seed);
  const actors = makeActors(rand);
  const attackers = makeAttackers(rand);
  let clock = START_MS;
  for (let i = 0; i < lines; i++) {
    clock += 1 + int(rand, 5);
    const ts = rand() < 0.2 ? clock - int(rand, 40) : clock;
    const due = attackers.find(({ every }) => i % every === every - 1);
    yield due ? due.attacker(ts) : benignEvent(rand, actors, ts);
  }
}
