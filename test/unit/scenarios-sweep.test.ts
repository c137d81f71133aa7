// Scenario tests of distributed sweeps and hostile addresses (issue 14, items 5 and 6):
// sweepCast's sweeps (hundreds of proxy addresses, each a few requests, ids in order,
// by stride or shuffled within a window, 1–50 requests/s), a scraper rotating sessions
// on one address, and the people a route-level rule must leave alone, mixed with the
// real 2015 log and the standard scenario's benign actors, through the shipped rules.
// Every sweep is locked within 400 records of its first; the test names say how many
// records each got in total, each address counted up to its own first lockout (after
// it, a gateway refuses it).
import { describe, expect, it } from 'vitest';
import {
  concerns,
  mergeByTime,
  natOffice,
  standardScenario,
  subjectsOf,
  sweepCast,
  idScan,
  type Actor,
} from '../../src/simulate/index.js';
import {
  describeLockout,
  detect,
  outcomeOf,
  readRealLog,
  recordsInTotal,
  shippedRules,
} from '../support/scenarios.js';

const START = Date.parse('2015-05-20T06:00:00Z');
const SEED = 20_150_520;

const real = readRealLog();
const { benign, attackers } = sweepCast({ start: START, seed: SEED });
const standardBenign = standardScenario({ start: START, seed: SEED }).benign;
const cast = [...benign, ...attackers, ...standardBenign];
const lockouts = await detect(mergeByTime([real, ...cast.map((actor) => actor.events)]));

describe(`sweeps in the real 2015 log from ${new Date(START).toISOString().slice(0, 16)}Z, shipped rules`, () => {
  it('the cast lies inside the real log’s time span', () => {
    const [first, last] = [real[0]!.ts, real.at(-1)!.ts];
    const outside = cast.filter((a) => a.events.some((e) => e.ts < first || e.ts > last));
    expect(outside.map((a) => a.name)).toEqual([]);
  });

  const outcomes = attackers.map((actor) => {
    const outcome = outcomeOf(actor, lockouts);
    const total = recordsInTotal(actor, lockouts);
    const locked = new Set(outcome.lockouts.map((l) => `${l.scope}:${l.subject}`)).size;
    const title = outcome.lockouts[0]
      ? `${actor.name}: first lockout after ${outcome.records} records, ` +
        `${total} records in total of ${actor.events.length}, ${locked} subjects locked ` +
        `(budget ${actor.budget})`
      : `${actor.name}: NOT locked out (${outcome.records} records)`;
    return [title, outcome] as const;
  });
  it.each(outcomes)('%s', (_title, { actor, lockouts: mine, records }) => {
    expect(mine.length).toBeGreaterThan(0);
    expect(records).toBeLessThanOrEqual(actor.budget!);
  });

  const quiet = [...benign, ...standardBenign].map((actor) => {
    const mine = lockouts.filter((l) => concerns(actor, l));
    const title = `${actor.name} (${actor.events.length} requests): ${mine.length} lockouts`;
    return [title, actor, mine] as const;
  });
  // Not this rule's doing: slow-id-scan (6 h, 120 close ids) locks agents who follow the
  // head of a ticket queue all day (their ids are close by nature). Reported; when the
  // enumeration rule leaves them alone, this `fails` turns red: make it a plain check.
  const followsHead = (actor: Actor) => actor.name.includes('newest tickets');
  it.each(quiet.filter(([, actor]) => !followsHead(actor)))('%s', (_title, _actor, mine) => {
    expect(mine.map(describeLockout)).toEqual([]);
  });
  it.fails.each(quiet.filter(([, actor]) => followsHead(actor)))(
    '%s (known: slow-id-scan)',
    (_title, _actor, mine) => {
      expect(mine.map(describeLockout)).toEqual([]);
    },
  );
  it.each(quiet.filter(([, actor]) => followsHead(actor)))(
    '%s: none by distributed-sweep or hostile-address',
    (_title, _actor, mine) => {
      const ours = mine.filter(
        (l) => l.rule === 'distributed-sweep' || l.rule === 'hostile-address',
      );
      expect(ours.map(describeLockout)).toEqual([]);
    },
  );

  it('no client of the real log is locked out', () => {
    const realSubjects = new Set(
      real.flatMap((e) => subjectsOf(e)).map((s) => `${s.scope}:${s.subject}`),
    );
    const hit = lockouts.filter((l) => realSubjects.has(`${l.scope}:${l.subject}`));
    expect(hit.map(describeLockout)).toEqual([]);
  });

  it('the lockouts of sweep participants and hostile addresses say why the scope was chosen', () => {
    const mine = lockouts.filter(
      (l) => l.rule === 'distributed-sweep' || l.rule === 'hostile-address',
    );
    expect(mine.length).toBeGreaterThan(0);
    for (const lockout of mine) expect(lockout.evidence.scopeReason).toBeTypeOf('string');
  });
});

const rules = await shippedRules();

/** An hour of 200 people behind one NAT address. */
function officeOf200(nat: string) {
  return natOffice({ start: START, seed: SEED, ip: nat, durationMs: 3_600_000, users: 200 });
}

describe('a NAT with one scraping session', () => {
  it('locks the session, not the address hundreds of people share', async () => {
    const nat = '100.126.0.1';
    const office = officeOf200(nat);
    const scraper = idScan({
      start: START + 600_000,
      seed: SEED,
      identity: { ip: nat, session: 'nat-scraper' },
      count: 300,
      everyMs: 500,
      route: '/api/customers',
      firstId: 40_000,
      order: 'ascending',
    });
    const got = await detect(mergeByTime([office.events, scraper.events]), rules);
    expect(
      got.filter((l) => l.scope === 'session' && l.subject === 'nat-scraper').length,
    ).toBeGreaterThan(0);
    expect(got.filter((l) => l.scope === 'ip').map(describeLockout)).toEqual([]);
  });

  it('locks three scraping sessions among 200 people, not the address: under half of its identities', async () => {
    const nat = '100.126.0.2';
    const office = officeOf200(nat);
    const scrapers = [0, 1, 2].map((s) =>
      idScan({
        start: START + 600_000 + s * 300_000,
        seed: SEED + s,
        identity: { ip: nat, session: `nat-scraper-${s}` },
        count: 300,
        everyMs: 500,
        route: '/api/customers',
        firstId: 40_000 + s * 100_000,
        order: 'ascending',
      }),
    );
    const got = await detect(mergeByTime([office.events, ...scrapers.map((a) => a.events)]), rules);
    const sessions = new Set(got.filter((l) => l.scope === 'session').map((l) => l.subject));
    expect([...sessions].filter((s) => s.startsWith('nat-scraper-')).sort()).toEqual([
      'nat-scraper-0',
      'nat-scraper-1',
      'nat-scraper-2',
    ]);
    expect(got.filter((l) => l.scope === 'ip').map(describeLockout)).toEqual([]);
  });
});
