// The standard cast: every benign pattern and every attacker of the design, laid
// out over twelve hours from `start`. Used by the scenario tests, and meant for an
// `exfilguard simulate` command and the benchmarks.
import { budgeted, concerns, type Actor, type Identity, type Subject } from './actor.js';
import {
  exportPull,
  idScan,
  notFoundProbe,
  rotatingAccountScan,
  type Pace,
  type ScanOrder,
} from './attacks.js';
import {
  cdnWarmer,
  healthProbes,
  mobileSync,
  monthlyExport,
  natOffice,
  staffTeam,
} from './benign.js';
import { deriveSeed } from './random.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/**
 * Ids a shuffled scan draws from. How soon the shipped enumeration rule (maxGap 32,
 * last 64 ids, 30 % share) catches it depends on it; measured over 8 seeds, one
 * address at 2/s: a 500- or 1,000-id range after 63–67 records, 2,000 after 75–83,
 * 5,000 after 107–134 (over the 100-record budget: wider shuffles need the breadth
 * rule, which needs a session or user).
 */
export const SHUFFLED_RANGE = 2000;

export interface Scenario {
  readonly benign: Actor[];
  readonly attackers: Actor[];
}

export interface ScenarioOptions {
  readonly start: number;
  readonly seed: number;
}

/** The three paces every scan and probe is tried at. */
export const SCAN_PACES: readonly { label: string; pace: Pace }[] = [
  { label: '20/s', pace: { everyMs: 50, jitter: 0.2 } },
  { label: '2/s', pace: { everyMs: 500, jitter: 0.2 } },
  { label: '1 per 4 s', pace: { everyMs: 4000, jitter: 0.2 } },
];

const SCANS: readonly { order: ScanOrder; route: string; identity: (n: number) => Identity }[] = [
  { order: 'ascending', route: '/api/users', identity: (n) => ({ ip: `203.0.113.${n}` }) },
  {
    order: 'descending',
    route: '/api/orders',
    identity: (n) => ({ ip: `203.0.113.${n}`, session: `s-atk-${n}` }),
  },
  {
    order: 'strided',
    route: '/api/messages',
    identity: (n) => ({ ip: `203.0.113.${n}`, session: `s-atk-${n}`, user: `intruder${n}` }),
  },
  {
    order: 'shuffled',
    route: '/api/users',
    identity: (n) => ({ ip: `203.0.113.${n}`, session: `s-atk-${n}`, user: `intruder${n}` }),
  },
];

export function standardScenario(options: ScenarioOptions): Scenario {
  return { benign: benignCast(options), attackers: attackerCast(options) };
}

export function benignCast({ start, seed }: ScenarioOptions): Actor[] {
  const s = (label: string) => deriveSeed(seed, label);
  const mobile = [1, 2, 3].map((n) =>
    mobileSync({
      start: start + n * 4 * MINUTE,
      seed: s(`mobile-${n}`),
      durationMs: 10 * HOUR,
      identity: { ip: `192.0.2.${30 + n}`, session: `m-s-${n}`, user: `mobile${n}` },
    }),
  );
  return [
    natOffice({ start: start + HOUR, seed: s('nat'), ip: '198.51.100.10', durationMs: HOUR }),
    // A bigger office for longer, at a calmer pace: chance close ids add up over hours.
    natOffice({
      start: start + 2 * HOUR,
      seed: s('nat-large'),
      ip: '198.51.100.11',
      durationMs: 3 * HOUR,
      users: 800,
      perMinute: 1,
    }),
    cdnWarmer({
      start: start + 30 * MINUTE,
      seed: s('cdn'),
      count: 6000,
      everyMs: 50,
      identity: { ip: '198.51.100.20', userAgent: 'cdn-warmer/1.0' },
    }),
    ...staffTeam(start, s('staff'), 10, 4),
    ...mobile,
    healthProbes({
      start,
      seed: s('probes'),
      ips: ['10.0.0.5', '10.0.0.6', '10.0.0.7'],
      durationMs: 12 * HOUR,
    }),
    monthlyExport({
      start: start + 2 * HOUR,
      seed: s('monthly'),
      identity: { ip: '10.20.0.50', session: 's-controller', user: 'controller' },
    }),
  ];
}

export function attackerCast({ start, seed }: ScenarioOptions): Actor[] {
  const s = (label: string) => deriveSeed(seed, label);
  const scans = SCANS.flatMap(({ order, route, identity }, i) =>
    SCAN_PACES.map(({ label, pace }, j) => {
      const n = 10 + i * 3 + j;
      const scan = idScan({
        name: `${order === 'shuffled' ? `shuffled (range ${SHUFFLED_RANGE})` : order} ${label}`,
        start: start + 3 * HOUR + n * 15 * MINUTE,
        seed: s(`scan-${n}`),
        identity: { ...identity(n), userAgent: 'python-requests/2.7.0' },
        count: 300,
        order,
        route,
        range: SHUFFLED_RANGE,
        firstId: 10_000 * n,
        ...pace,
      });
      return budgeted(100, scan);
    }),
  );
  return [...scans, ...probeCast(start, seed), ...slowAndWideCast(start, seed)];
}

function probeCast(start: number, seed: number): Actor[] {
  return SCAN_PACES.map(({ label, pace }, j) =>
    budgeted(
      100,
      notFoundProbe({
        name: `404 probing ${label}`,
        start: start + 4 * HOUR + j * 20 * MINUTE,
        seed: deriveSeed(seed, `probe-${j}`),
        identity: { ip: `203.0.113.${40 + j}` },
        count: 300,
        ...pace,
      }),
    ),
  );
}

function slowAndWideCast(start: number, seed: number): Actor[] {
  const s = (label: string) => deriveSeed(seed, label);
  return [
    budgeted(
      200,
      idScan({
        name: 'low-and-slow 60–120 s',
        start: start + 30 * MINUTE,
        seed: s('slow'),
        identity: { ip: '2001:db8:77:1::9' },
        count: 300,
        order: 'ascending',
        firstId: 300,
        everyMs: 90_000,
        jitter: 1 / 3,
      }),
    ),
    budgeted(
      150,
      rotatingAccountScan({
        name: 'svc-sync over 48 IPs 2/s',
        start: start + 8 * HOUR,
        seed: s('rotating'),
        user: 'svc-sync',
        count: 400,
        everyMs: 500,
        jitter: 0.5,
      }),
    ),
    budgeted(
      10,
      exportPull({
        name: 'export pages 3–6 MB every 10–30 s',
        start: start + 9 * HOUR,
        seed: s('export'),
        identity: { ip: '203.0.113.90', session: 's-exp-1', user: 'hr-intern' },
        pages: 30,
        everyMs: 20_000,
        jitter: 0.5,
      }),
    ),
  ];
}

/** The actors a lockout concerns (an attacker's declared subjects, a benign actor's any). */
export function actorsConcerned(actors: readonly Actor[], lockout: Subject): Actor[] {
  return actors.filter((actor) => concerns(actor, lockout));
}
