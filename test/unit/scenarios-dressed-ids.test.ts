// Scenario tests of issue 14 item 2: walks over query-string ids and prefixed ids
// (src/simulate/dressed-ids.ts) mixed into the real 2015 Apache log and the standard
// scenario's benign actors, through the shipped rules and the in-memory store. Every
// walker is locked out within DRESSED_ID_BUDGET (100) records; no benign actor (a
// person opening a few invoices, integrations fetching a handful by `?id=`, HR, a
// customer reading their statements), and none of the real log's clients, is locked
// out. The figures are in the test names.
import { describe, expect, it } from 'vitest';
import {
  concerns,
  DRESSED_ID_BUDGET,
  dressedIdCast,
  standardScenario,
  subjectsSeen,
} from '../../src/simulate/index.js';
import {
  describeLockout,
  outcomeOf,
  type Outcome,
  benignTitle,
  castInRealLog,
} from '../support/scenarios.js';

/** Inside the real log's span (2015-05-17 10:05 to 2015-05-20 21:05 UTC). */
const START = Date.parse('2015-05-18T06:00:00Z');
const SEED = 20_150_518;

function attackerTitle({ actor, lockouts, records }: Outcome): string {
  const first = lockouts[0];
  if (!first) return `${actor.name}: NOT locked out (${actor.events.length} records)`;
  return `${actor.name}: locked out after ${records} records by ${first.rule} (${first.scope}:${first.subject}; budget ${DRESSED_ID_BUDGET})`;
}

const cast = dressedIdCast({ start: START, seed: SEED });
const { real, benign, actors, lockouts, eventCount } = await castInRealLog(
  cast,
  standardScenario({ start: START, seed: SEED }).benign,
);

describe(`query-string and prefixed ids in the real 2015 log: ${eventCount.toLocaleString('en-US')} events, shipped rules`, () => {
  it('the cast lies inside the real log’s time span, and its walks are dressed', () => {
    const first = real[0]!.ts;
    const last = real.at(-1)!.ts;
    const outside = actors.filter((a) => a.events.some((e) => e.ts < first || e.ts > last));
    expect(outside.map((a) => a.name)).toEqual([]);
    // No walk is a bare number at the end of the path: each needs item 2 to be seen.
    for (const attacker of cast.attackers) {
      for (const event of attacker.events) expect(event.path).not.toMatch(/\/\d+(\?|$)/);
    }
  });

  describe(`every walker is locked out within ${DRESSED_ID_BUDGET} records`, () => {
    const outcomes = cast.attackers.map((actor) => outcomeOf(actor, lockouts));
    it.each(outcomes.map((o) => [attackerTitle(o), o] as const))('%s', (_title, outcome) => {
      const { actor, lockouts: mine, records } = outcome;
      expect(
        mine.length,
        `${actor.name}: no lockout on ${JSON.stringify(actor.subjects)}`,
      ).toBeGreaterThan(0);
      expect(records, `${actor.name} before ${describeLockout(mine[0]!)}`).toBeLessThanOrEqual(
        actor.budget ?? DRESSED_ID_BUDGET,
      );
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
