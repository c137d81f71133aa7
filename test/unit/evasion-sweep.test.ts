// Issue 14, item 5, as the attacker tries it: distributed-sweep (one route's ids walked
// in order by hundreds of addresses, a few requests each) against the ways an attacker
// dresses, spreads, dilutes or slows the walk, and the benign traffic that looks like
// one (hostile-address: evasion-hostile-address.test.ts). Shipped rules,
// in-memory store, event time. The budget (issue 14, item 5): 400 records for the whole
// sweep before its first lockout. The test names carry the figures: records before the
// first lockout, and records in total (each request counted until its own session, else
// address, is locked: a gateway refuses it after that).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LockoutCommand } from '../../src/decide/lockout.js';
import { loadRules } from '../../src/rules/shipped.js';
import {
  distributedSweep,
  mobileSync,
  routeReaders,
  type Actor,
} from '../../src/simulate/index.js';
import { describeLockout } from '../support/scenarios.js';
import {
  BUDGET,
  figuresOf,
  MINUTE,
  run,
  START,
  SWEEP,
  told,
  together,
} from '../support/sweep-figures.js';

describe('distributed-sweep: any walk by 100–1,000 addresses is locked within 400 records (property)', () => {
  it('ascending, descending, strided 1–8 or shuffled within ≤32, 1–50/s, anywhere in 10^7 ids', async () => {
    const order = fc.oneof(
      fc.constant({ order: 'ascending' as const }),
      fc.constant({ order: 'descending' as const }),
      fc.integer({ min: 1, max: 8 }).map((stride) => ({ order: 'strided' as const, stride })),
      fc
        .integer({ min: 2, max: 32 })
        .map((shuffleWidth) => ({ order: 'shuffled' as const, shuffleWidth })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 1000 }),
        fc.integer({ min: 1, max: 5 }),
        order,
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 10_000_000 - 5000 * 8 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (addresses, most, walk, perSecond, firstId, seed) => {
          const sweep = distributedSweep({
            ...SWEEP,
            ...walk,
            seed,
            addresses,
            requestsEach: [1, most],
            perSecond,
            firstId,
          });
          const { all } = await run([sweep]);
          const f = figuresOf(sweep, all);
          // A sweep of fewer requests than the budget gets them all; a larger one is locked.
          expect(Math.min(f.first, f.of)).toBeLessThanOrEqual(BUDGET);
          if (f.of > BUDGET) expect(f.lockouts.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 30 },
    );
  });
});

// Each evasion: caught within the budget, or a limit shown exactly.
const plain = distributedSweep(SWEEP);
const plainF = figuresOf(plain, (await run([plain])).all);

const dressed = distributedSweep({
  ...SWEEP,
  dress: (id, i) => [`000${id}`, `+${id}`, `${id}.json`][i % 3]!,
});
const dressedF = figuresOf(dressed, (await run([dressed])).all);

const fresh = distributedSweep({ ...SWEEP, freshSessions: true });
const freshF = figuresOf(fresh, (await run([fresh])).all);
const freshTwo = distributedSweep({ ...SWEEP, freshSessions: true, requestsEach: [2, 2] });
const freshTwoF = figuresOf(freshTwo, (await run([freshTwo])).all);

const slash64 = distributedSweep({ ...SWEEP, oneSlash64: true });
const slash64F = figuresOf(slash64, (await run([slash64])).all);

const nine = Array.from({ length: 9 }, (_, k) =>
  distributedSweep({
    ...SWEEP,
    seed: SWEEP.seed + k,
    pool: k,
    addresses: 150,
    perSecond: 2,
    order: 'strided',
    stride: 9,
    firstId: SWEEP.firstId + k,
    name: `stride 9 from offset ${k}`,
  }),
);
const aloneF = figuresOf(nine[0]!, (await run([nine[0]!])).all);
const nineAll = together('nine sweeps of stride 9, offsets 0–8', nine);
const nineF = figuresOf(nineAll, (await run([nineAll])).all);

describe('distributed-sweep against evasions (shipped rules)', () => {
  it(`a plain ascending sweep of 400 addresses at 10/s: ${told(plainF)}`, () => {
    expect(plainF.first).toBeLessThanOrEqual(BUDGET);
  });

  it(`ids dressed as 000N, +N and N.json in turn, read as N: the same figures (${told(dressedF)})`, () => {
    expect({ first: dressedF.first, total: dressedF.total }).toEqual({
      first: plainF.first,
      total: plainF.total,
    });
  });

  // Caught, but a session lockout does not stop a client that takes a fresh session for
  // its next request: only the address does, and hostile-address locks an address at 3
  // locked sessions. Addresses of 1–2 requests are never refused. By construction
  // (participantKey locks the most specific identity); nothing else catches them: per-
  // address rules see 1–2 requests. See the report: a gap in the rule, not fixed here.
  it(`a fresh fake session on every request (1–5 requests an address): ${told(freshF)}`, () => {
    expect(freshF.first).toBeLessThanOrEqual(BUDGET);
    expect(freshF.by['hostile-address/ip']).toBeGreaterThan(0);
    expect(freshF.total).toBeGreaterThan(plainF.total);
  });
  it(`limit: fresh sessions, 2 requests an address: every request is served (${told(freshTwoF)})`, () => {
    expect(freshTwoF.first).toBeLessThanOrEqual(BUDGET);
    expect(freshTwoF.by['hostile-address/ip']).toBeUndefined();
    expect(freshTwoF.total).toBe(freshTwoF.of);
  });

  it(`IPv6 addresses rotating within one /64 are one actor to the per-address rules: ${told(slash64F)}`, () => {
    expect(slash64F.first).toBeLessThanOrEqual(BUDGET);
    // The /64 itself, by sequential-id-scan at its 51st request: one subject, locked once.
    const first = slash64F.lockouts[0]!;
    expect([first.rule, first.scope, first.subject]).toEqual([
      'sequential-id-scan',
      'ip',
      '2001:db8:5f::/64',
    ]);
    expect(slash64F.total).toBe(slash64F.first);
  });

  it(`one sweep of stride 9 alone is not close (${told(aloneF)})`, () => {
    expect(aloneF.first).toBe(Number.POSITIVE_INFINITY);
  });
  it(`nine sweeps of stride 9, offsets 0–8, together are: ${told(nineF)}`, () => {
    expect(nineF.first).toBeLessThanOrEqual(BUDGET);
  });
});

/** Anonymous readers of random records of the sweep's route, from 10 min before it. */
const readers = (perSecond: number) =>
  routeReaders({
    start: START - 10 * MINUTE,
    seed: 14_006,
    route: SWEEP.route,
    durationMs: 25 * MINUTE,
    perSecond,
    pick: (random) => random.int(1, 10_000_000),
    name: `anonymous readers at ${perSecond}/s`,
  });
const slowSweep = { ...SWEEP, addresses: 300, perSecond: 2 };
const diluted = async (perSecond: number) => {
  const sweep = distributedSweep(slowSweep);
  const crowd = readers(perSecond);
  const { all, benignLocked } = await run([sweep], [crowd]);
  return { f: figuresOf(sweep, all), benignLocked, crowd };
};
const dilute1 = await diluted(1);
const dilute8 = await diluted(8);
const dilute12 = await diluted(12);

const slow = distributedSweep({ ...SWEEP, addresses: 300, perSecond: 1 / 20 });
const slowF = figuresOf(slow, (await run([slow])).all);
const brisk = distributedSweep({ ...SWEEP, addresses: 300, perSecond: 1 / 5 });
const briskF = figuresOf(brisk, (await run([brisk])).all);
const users = distributedSweep({ ...SWEEP, loggedIn: true });
const usersF = figuresOf(users, (await run([users])).all);
const random = distributedSweep({ ...SWEEP, order: 'random', firstId: 1, idSpace: 10_000_000 });
const randomF = figuresOf(random, (await run([random])).all);

describe('distributed-sweep: dilution, pace, accounts, order', () => {
  it(`benign 1/s beside a sweep of 2/s (67 % of the new ids): ${told(dilute1.f)}`, () => {
    expect(dilute1.f.first).toBeLessThanOrEqual(BUDGET);
    expect(dilute1.benignLocked.map(describeLockout)).toEqual([]);
  });
  // Caught, over budget, by construction: the share is over the window's 10 min, so the
  // sweep must make minShare/(1 − minShare) ≈ 0.18 × the route's other new fed ids in
  // 10 min (here 8/s × 600 s = 4,800: about 850) before it is on. A sweep stays within
  // 400 records only on a route of up to about 3.8 other anonymous new ids a second.
  it(`limit: benign 8/s beside it (20 %, over minShare): caught late, ${told(dilute8.f)}; ${dilute8.benignLocked.length} readers taken for participants`, () => {
    expect(dilute8.f.first).toBeGreaterThan(BUDGET);
    expect(dilute8.f.first).toBeLessThan(1000);
    // A reader opening an id at the sweep's frontier is taken for a participant (the
    // rule's stated chance: 64 × 17 / 10^7 a request while it is on).
    expect(dilute8.benignLocked.length).toBeLessThanOrEqual(3);
  });
  // By construction: under minShare (15 %) of the route's fed new ids no sweep is on.
  // Nothing else catches it: each address makes 1–5 requests.
  it(`limit: benign 12/s beside it (14 %, under minShare): ${told(dilute12.f)}`, () => {
    expect(dilute12.f.first).toBe(Number.POSITIVE_INFINITY);
    expect(dilute12.benignLocked.map(describeLockout)).toEqual([]);
  });

  // By construction: `threshold` 100 close ids in a 10 min window is a pace of one every
  // 6 s; slower never is. No other rule sees it (slow-id-scan is per actor).
  it(`limit: a sweep of one request every 20 s is never locked (${told(slowF)})`, () => {
    expect(slowF.first).toBe(Number.POSITIVE_INFINITY);
  });
  it(`one request every 5 s is: ${told(briskF)}`, () => {
    expect(briskF.first).toBeLessThanOrEqual(BUDGET);
  });

  // A known limit: users are not fed (each is an actor of their own, for the per-user
  // rules, which a few requests an account do not reach). What stops it: the accounts.
  it(`limit: logged-in fake accounts, a few requests each, are not fed: ${told(usersF)}`, () => {
    expect(usersF.first).toBe(Number.POSITIVE_INFINITY);
    expect(usersF.total).toBe(usersF.of);
  });

  // Not a walk: random ids over 10^7 are close by chance only (64 × 17 / 10^7 a
  // request). By construction; what would catch it: a route-level breadth count (many
  // new anonymous ids on one route against its usual rate), which no rule has yet.
  it(`limit: fully random ids over 10^7 are not a walk: ${told(randomF)}`, () => {
    expect(randomF.first).toBe(Number.POSITIVE_INFINITY);
  });
});

/** Anonymous visitors of /api/products opening one of the newest `n`, the head moving. */
const newest = (n: number, headEveryMs: number) =>
  routeReaders({
    start: START,
    seed: 14_007,
    route: '/api/products',
    durationMs: 30 * MINUTE,
    perSecond: 5,
    pick: (r, ts) => 80_000 + Math.floor((ts - START) / headEveryMs) - r.int(0, n - 1),
    name: `visitors of the newest ${n} products, one more every ${headEveryMs / 1000} s`,
  });
const quietTwin = async (actor: Actor) => {
  const { benignLocked } = await run([], [actor]);
  const addresses = new Set(actor.events.map((e) => e.ip)).size;
  return { actor, benignLocked, addresses };
};
const newest50 = await quietTwin(newest(50, MINUTE));
const newest64 = await quietTwin(newest(64, MINUTE));
const fastHead = await quietTwin(newest(50, 10_000));
const gaps = [await quietTwin(newest(100, MINUTE))];
const cdn = await quietTwin(
  routeReaders({
    start: START,
    seed: 14_008,
    route: '/api/products',
    durationMs: 30 * MINUTE,
    perSecond: 5,
    pick: () => 1,
    requestsEach: [50, 100],
    name: 'a CDN and health-check pool fetching one fixed record',
  }),
);
const fleet = Array.from({ length: 300 }, (_, d) =>
  mobileSync({
    start: START + d * 1000,
    seed: 14_009 + d,
    identity: { ip: `100.100.${d >> 8}.${(d & 255) + 1}`, session: `device-${d}` },
    durationMs: 30 * MINUTE,
    newestId: 400_000,
  }),
);
const fleetActor = await quietTwin({
  ...together('300 app devices (sessions, no user) re-syncing their 30 newest messages', fleet),
  role: 'benign',
});

const twinTitle = (t: { actor: Actor; benignLocked: LockoutCommand[]; addresses: number }) =>
  `${t.actor.name} (${t.actor.events.length} requests, ${t.addresses} addresses): ` +
  `${new Set(t.benignLocked.map((l) => l.subject)).size} locked`;

describe('benign twins of a sweep stay quiet', () => {
  it.each([newest50, newest64, fastHead, cdn, fleetActor].map((t) => [twinTitle(t), t] as const))(
    '%s',
    (_t, twin) => {
      expect(twin.benignLocked.map(describeLockout)).toEqual([]);
    },
  );
  // A GAP, reported: readers of a listing longer than the route's 64 recent ids (the
  // newest 100, opened at random) push its ids out and back in as new and close, a sweep
  // by construction. A repeat keeps its id recent and closeness is judged against the
  // last 8 ids only (closeAmong), so a listing of up to 64, even with a head moving every
  // 10 s, is quiet. When the rule tells them apart, this turns red: make it a plain check.
  it.fails.each(gaps.map((t) => [twinTitle(t), t] as const))('%s (known gap)', (_t, twin) => {
    expect(twin.benignLocked.map(describeLockout)).toEqual([]);
  });
  // What an operator does about it: a route anonymous visitors read by design is public
  // content (rules/routes.yaml), and public routes feed no record rule.
  it.each(gaps.map((t) => [t.actor.name, t] as const))(
    '%s: quiet once /api/products is declared public',
    async (_name, twin) => {
      const { benignLocked } = await run([], [twin.actor], [], await productsPublic);
      expect(twin.benignLocked.length).toBeGreaterThan(0);
      expect(benignLocked.map(describeLockout)).toEqual([]);
    },
  );
});

/** The shipped rules with an operator's routes document: /api/products/** is public. */
const productsPublic = (async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-public-'));
  await writeFile(
    join(dir, 'routes.yaml'),
    "kind: routes\ndescription: the shop's catalogue\npublic: ['/api/products/**']\n",
  );
  return (await loadRules({ dirs: [dir], shipped: true })).compiled;
})();
