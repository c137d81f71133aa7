// Scenario tests of issue 14 items 1 and 4: the paging and large-answer cast
// (src/simulate/paging.ts) mixed into the real 2015 Apache log and the standard
// scenario's benign actors, through the shipped rules and the in-memory store.
// Every paging attacker is locked out within 50 pages AND 5,000 records (its
// `records`, else its limit, else the service's page of 50); every puller of large
// answers within 60 requests AND 40 MB. No benign actor, and none of the real log's
// clients, is locked out. The figures are in the test names.
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../src/event/index.js';
import { queryParam } from '../../src/normalize/index.js';
import {
  concerns,
  PAGING_BUDGET,
  pagingCast,
  standardScenario,
  subjectsSeen,
  VOLUME_BUDGET,
  type Actor,
} from '../../src/simulate/index.js';
import { formatBytes } from '../../src/vocabulary/units.js';
import {
  describeLockout,
  outcomeOf,
  type Outcome,
  benignTitle,
  castInRealLog,
} from '../support/scenarios.js';

/** Inside the real log's span (2015-05-17 10:05 to 2015-05-20 21:05 UTC); 12 h of cast. */
const START = Date.parse('2015-05-19T06:00:00Z');
const SEED = 20_150_519;
/** The page a service answers when asked for no limit (the cast's walks use it too). */
const SERVICE_PAGE = 50;

/** Rows a page request took: its `records`, else the limit it asked for, else the service's page. */
function rowsOf(event: AccessEvent): number {
  if (event.records !== undefined) return event.records;
  const query = event.path.slice(event.path.indexOf('?') + 1);
  const limit = queryParam(query, 'limit') ?? queryParam(query, 'per_page');
  return limit === undefined ? SERVICE_PAGE : Number(limit);
}

interface Taken {
  readonly requests: number;
  readonly records: number;
  readonly bytes: number;
}

function takenBefore({ actor, lockouts }: Outcome): Taken {
  const until = lockouts[0] ? Date.parse(lockouts[0].eventTime) : Number.POSITIVE_INFINITY;
  const events = actor.events.filter((event) => event.ts <= until);
  return {
    requests: events.length,
    records: events.reduce((sum, event) => sum + rowsOf(event), 0),
    bytes: events.reduce((sum, event) => sum + event.bytes, 0),
  };
}

const isPaging = (actor: Actor) => actor.name.startsWith('paging:');

function attackerTitle(outcome: Outcome): string {
  const { actor, lockouts } = outcome;
  const taken = takenBefore(outcome);
  const what = isPaging(actor)
    ? `${taken.requests} pages, ${taken.records.toLocaleString('en-US')} records`
    : `${taken.requests} answers, ${formatBytes(taken.bytes)}`;
  const budget = isPaging(actor)
    ? `budget ${PAGING_BUDGET.pages} pages or ${PAGING_BUDGET.records.toLocaleString('en-US')} records`
    : `budget ${VOLUME_BUDGET.requests} answers or ${formatBytes(VOLUME_BUDGET.bytes)}`;
  const first = lockouts[0];
  if (!first) return `${actor.name}: NOT locked out (${what}; ${budget})`;
  return `${actor.name}: locked out after ${what} by ${first.rule} (${first.scope}:${first.subject}; ${budget})`;
}

const cast = pagingCast({ start: START, seed: SEED });
const { real, benign, actors, lockouts, eventCount } = await castInRealLog(
  cast,
  standardScenario({ start: START, seed: SEED }).benign,
);

describe(`paging and large answers in the real 2015 log: ${eventCount.toLocaleString('en-US')} events, shipped rules`, () => {
  it('the cast lies inside the real log’s time span', () => {
    const first = real[0]!.ts;
    const last = real.at(-1)!.ts;
    const outside = actors.filter((a) => a.events.some((e) => e.ts < first || e.ts > last));
    expect(outside.map((a) => a.name)).toEqual([]);
  });

  describe('every attacker is locked out within its budget', () => {
    const outcomes = cast.attackers.map((actor) => outcomeOf(actor, lockouts));
    it.each(outcomes.map((o) => [attackerTitle(o), o] as const))('%s', (_title, outcome) => {
      const { actor, lockouts: mine } = outcome;
      expect(
        mine.length,
        `${actor.name}: no lockout on ${JSON.stringify(actor.subjects)}`,
      ).toBeGreaterThan(0);
      const taken = takenBefore(outcome);
      const why = `${actor.name} before ${describeLockout(mine[0]!)}`;
      if (isPaging(actor)) {
        expect(taken.requests, `${why}: pages`).toBeLessThanOrEqual(PAGING_BUDGET.pages);
        expect(taken.records, `${why}: records`).toBeLessThanOrEqual(PAGING_BUDGET.records);
      } else {
        expect(taken.requests, `${why}: answers`).toBeLessThanOrEqual(VOLUME_BUDGET.requests);
        expect(taken.bytes, `${why}: bytes`).toBeLessThanOrEqual(VOLUME_BUDGET.bytes);
      }
    });
  });

  describe('no benign actor is locked out', () => {
    for (const outcome of benign.map((actor) => outcomeOf(actor, lockouts))) {
      it(benignTitle(outcome), () => {
        expect(outcome.lockouts.map(describeLockout)).toEqual([]);
      });
    }

    const clients = { subjects: subjectsSeen(real) };
    it(`none of the real log’s ${clients.subjects.length.toLocaleString('en-US')} clients`, () => {
      expect(lockouts.filter((l) => concerns(clients, l)).map(describeLockout)).toEqual([]);
    });
  });
});
