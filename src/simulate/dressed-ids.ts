// Ids that are not a bare number at the end of the path (issue 14 item 2): walks over
// query-string ids (`/api/user?id=123`, `?customerId=`) and over prefixed business
// keys (`INV-2026-000123`, `EMP_00042`, `/v1/accounts/FR-0093-000045/statements`), in
// every order at 1/s to 20/s, and the people and jobs that look a little like them: a
// person opening a few invoices, an integration fetching a handful of records by
// `?id=`, HR staff opening employee files, a customer reading their own statements.
// Attackers' `budget` is records (requests): DRESSED_ID_BUDGET.
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
import { paced, scanIds, type IdWalk, type Pace } from './attacks.js';
import { deriveSeed, Random } from './random.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Issue 14 item 2: records a walk over dressed ids may get before its first lockout. */
export const DRESSED_ID_BUDGET = 100;

/** How a walk writes its ids into the request path. */
export type IdDressing =
  | {
      readonly kind: 'query';
      readonly route: string;
      readonly param: string;
      readonly extra?: string;
    }
  | {
      readonly kind: 'prefixed';
      /** `{id}` marks where the prefixed id goes: `/v1/invoices/{id}`. */
      readonly template: string;
      readonly prefix: string;
      readonly pad: number;
    };

/** The path of id `id` in a dressing. */
export function dressedPath(dressing: IdDressing, id: number): string {
  if (dressing.kind === 'query') {
    const extra = dressing.extra === undefined ? '' : `&${dressing.extra}`;
    return `${dressing.route}?${dressing.param}=${id}${extra}`;
  }
  const key = `${dressing.prefix}${String(id).padStart(dressing.pad, '0')}`;
  return dressing.template.replace('{id}', key);
}

export const INVOICES: IdDressing = {
  kind: 'prefixed',
  template: '/v1/invoices/{id}',
  prefix: 'INV-2026-',
  pad: 6,
};
export const EMPLOYEES: IdDressing = {
  kind: 'prefixed',
  template: '/hr/employees/{id}/file',
  prefix: 'EMP_',
  pad: 5,
};
export const STATEMENTS: IdDressing = {
  kind: 'prefixed',
  template: '/v1/accounts/{id}/statements',
  prefix: 'FR-0093-',
  pad: 6,
};
export const USER_BY_ID: IdDressing = { kind: 'query', route: '/api/user', param: 'id' };
export const CUSTOMER_BY_ID: IdDressing = {
  kind: 'query',
  route: '/api/customers/view',
  param: 'customerId',
  extra: 'fields=all',
};

export interface DressedWalkOptions extends ActorOptions, Pace, IdWalk {
  readonly dressing: IdDressing;
}

/** One actor walking ids written in a dressing, every request a record that exists. */
export function dressedIdWalk(options: DressedWalkOptions): Actor {
  const random = new Random(options.seed);
  const ids = scanIds(random, options);
  const events = paced(random, options.start, ids.length, options).map((ts, i) =>
    request(options.identity, ts, {
      path: dressedPath(options.dressing, ids[i]!),
      bytes: random.int(600, 2500),
    }),
  );
  const name = options.name ?? `${options.order} walk`;
  return { name, role: 'attacker', events, subjects: subjectsOf(options.identity) };
}

interface WalkPlan extends IdWalk {
  readonly label: string;
  readonly dressing: IdDressing;
  readonly pace: Pace;
  readonly session?: boolean;
}

/** A walk of 150 ids at one request every `everyMs` (± 20 %). */
function plan(
  label: string,
  dressing: IdDressing,
  everyMs: number,
  order: IdWalk['order'],
  more: Partial<WalkPlan> = {},
): WalkPlan {
  return { label, dressing, pace: { everyMs, jitter: 0.2 }, count: 150, order, ...more };
}

const WALKS: readonly WalkPlan[] = [
  plan('?id= ascending 20/s', USER_BY_ID, 50, 'ascending'),
  plan('?customerId= descending 5/s', CUSTOMER_BY_ID, 200, 'descending', { session: true }),
  plan('?id= strided by 7, 1/s', USER_BY_ID, SECOND, 'strided', { stride: 7 }),
  plan('?customerId= shuffled in a range of 600, 2/s', CUSTOMER_BY_ID, 500, 'shuffled', {
    range: 600,
    session: true,
  }),
  plan('INV-2026-… ascending 20/s', INVOICES, 50, 'ascending'),
  plan('INV-2026-… shuffled in a range of 600, 1/s', INVOICES, SECOND, 'shuffled', {
    range: 600,
    session: true,
  }),
  plan('EMP_… descending 10/s', EMPLOYEES, 100, 'descending'),
  plan('EMP_… strided by 5, 3/s', EMPLOYEES, 333, 'strided', { stride: 5, session: true }),
  plan('FR-0093-… accounts ascending 1/s', STATEMENTS, SECOND, 'ascending'),
  plan('FR-0093-… accounts shuffled in a range of 300, 20/s', STATEMENTS, 50, 'shuffled', {
    range: 300,
  }),
];

export interface InvoiceReaderOptions extends ActorOptions {
  readonly durationMs: number;
  /** Invoices opened over the duration. */
  readonly invoices: number;
}

/**
 * A person opening a few invoices: the list, then one invoice, a minute or so on it,
 * sometimes its PDF, back to the list; numbers scattered over the year's invoices,
 * now and then the same one again.
 */
export function invoiceReader(options: InvoiceReaderOptions): Actor {
  const random = new Random(options.seed);
  const events: AccessEvent[] = [];
  const opened: number[] = [];
  let ts = options.start;
  const gap = options.durationMs / options.invoices;
  for (let n = 0; n < options.invoices; n += 1) {
    events.push(
      request(options.identity, ts, { path: '/v1/invoices?status=open&page=1', bytes: 9000 }),
    );
    const again = opened.length > 0 && random.chance(0.2);
    const id = again ? random.pick(opened) : random.int(1, 250_000);
    opened.push(id);
    ts += random.int(3, 20) * SECOND;
    events.push(request(options.identity, ts, { path: dressedPath(INVOICES, id), bytes: 3000 }));
    if (random.chance(0.4)) {
      const pdf = `${dressedPath(INVOICES, id)}/pdf`;
      events.push(
        request(options.identity, ts + random.int(5, 60) * SECOND, { path: pdf, bytes: 80_000 }),
      );
    }
    ts = options.start + (n + 1) * gap + random.int(0, gap / 4);
  }
  return benign(options.name ?? 'invoice reader', events);
}

export interface HandfulFetchOptions extends ActorOptions {
  readonly durationMs: number;
  /** Runs over the duration, each fetching a handful of records. */
  readonly runs: number;
  readonly dressing?: IdDressing;
}

/**
 * An integration fetching a handful of records by `?id=` now and then: each run the
 * 3–10 records changed since the last one, often neighbours (created together), a
 * few hundred milliseconds apart.
 */
export function handfulFetch(options: HandfulFetchOptions): Actor {
  const random = new Random(options.seed);
  const dressing = options.dressing ?? CUSTOMER_BY_ID;
  const events: AccessEvent[] = [];
  const slot = options.durationMs / options.runs;
  let latest = random.int(40_000, 60_000);
  for (let run = 0; run < options.runs; run += 1) {
    let ts = options.start + run * slot + random.int(0, slot / 3);
    const count = random.int(3, 10);
    for (let i = 0; i < count; i += 1) {
      const id = random.chance(0.7) ? (latest += random.int(1, 3)) : random.int(1, latest);
      events.push(request(options.identity, ts, { path: dressedPath(dressing, id), bytes: 1500 }));
      ts += random.int(100, 800);
    }
  }
  return benign(options.name ?? 'integration fetching a handful', events);
}

export interface OwnStatementsOptions extends ActorOptions {
  readonly account: number;
  readonly visits: number;
  readonly durationMs: number;
}

/** A customer reading their own account's statements, now and then over the day. */
export function ownStatements(options: OwnStatementsOptions): Actor {
  const random = new Random(options.seed);
  const path = dressedPath(STATEMENTS, options.account);
  const events = Array.from({ length: options.visits }, (_, n) =>
    request(
      options.identity,
      options.start + (n * options.durationMs) / options.visits + random.int(0, MINUTE),
      {
        path: `${path}?year=${random.pick([2024, 2025, 2026])}`,
        bytes: 4000,
      },
    ),
  );
  return benign(options.name ?? 'customer reading own statements', events);
}

/** The cast: ten walks, one attacker each, and their benign look-alikes. */
export function dressedIdCast({ start, seed }: { start: number; seed: number }): {
  benign: Actor[];
  attackers: Actor[];
} {
  const s = (label: string) => deriveSeed(seed, label);
  const attackers = WALKS.map((plan, n) => {
    const identity: Identity = {
      ip: `192.0.2.${180 + n}`,
      ...(plan.session && { session: `di-atk-${n + 1}`, user: `di-intruder${n + 1}` }),
    };
    const actor = dressedIdWalk({
      ...plan,
      ...plan.pace,
      start: start + n * 20 * MINUTE,
      seed: s(`walk-${n}`),
      identity,
      firstId: 1000 + 5000 * n,
      name: `dressed ids: ${plan.label}`,
    });
    return budgeted(DRESSED_ID_BUDGET, actor);
  });
  return { benign: lookAlikes(start, s), attackers };
}

/** Invoice readers, integrations fetching a handful, HR, a customer: over 8 hours. */
function lookAlikes(start: number, s: (label: string) => number): Actor[] {
  const durationMs = 8 * HOUR;
  const readers = [1, 2, 3, 4].map((n) =>
    invoiceReader({
      start: start + n * 11 * MINUTE,
      seed: s(`reader-${n}`),
      identity: { ip: `192.0.2.${200 + n}`, session: `di-staff-s${n}`, user: `di-staff${n}` },
      durationMs,
      invoices: 6 + 4 * n,
    }),
  );
  const fetches: readonly [string, Identity, number, IdDressing, string?][] = [
    ['handful-customers', { ip: '192.0.2.210', user: 'erp-connector' }, 16, CUSTOMER_BY_ID],
    [
      'handful-users',
      { ip: '192.0.2.211' },
      8,
      USER_BY_ID,
      'integration fetching a handful of users by ?id=, no session',
    ],
    [
      'handful-employees',
      { ip: '192.0.2.212', session: 'di-hr-s1', user: 'di-hr1' },
      10,
      EMPLOYEES,
      'HR opening a few employee files',
    ],
  ];
  const integrations = fetches.map(([label, identity, runs, dressing, name], n) =>
    handfulFetch({
      start: start + n * 13 * MINUTE,
      seed: s(label),
      identity,
      durationMs,
      runs,
      dressing,
      ...(name && { name }),
    }),
  );
  const own = ownStatements({
    start: start + HOUR,
    seed: s('own'),
    identity: { ip: '192.0.2.213', session: 'di-cust-s1', user: 'di-customer1' },
    account: 45,
    visits: 30,
    durationMs,
  });
  return [...readers, ...integrations, own];
}
