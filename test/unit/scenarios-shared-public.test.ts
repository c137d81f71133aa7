// Scenario tests of issue 14's people to leave alone (items 6–8) and the attackers
// among them, mixed into the real 2015 log and the standard benign cast, through the
// shipped rules: a session scraping behind an office or carrier NAT is locked by
// session or user and the shared address never; a crawler walking public pages in
// order stays quiet, the same walk over a records route is locked whoever claims to
// walk it; sync jobs, uptime checks and retries stay quiet. Figures in the names.
import { describe, expect, it } from 'vitest';
import {
  mergeByTime,
  SHARED_NAT,
  sharedAndPublicCast,
  standardScenario,
  subjectsSeen,
  concerns,
} from '../../src/simulate/index.js';
import { describeLockout, detect, outcomeOf, readRealLog } from '../support/scenarios.js';

const START = Date.parse('2015-05-18T13:00:00Z');
const SEED = 14_006;

const real = readRealLog();
const { attackers, benign } = sharedAndPublicCast({ start: START, seed: SEED });
const background = standardScenario({
  start: Date.parse('2015-05-18T08:00:00Z'),
  seed: SEED,
}).benign;
const cast = [...benign, ...attackers, ...background];
const lockouts = await detect(mergeByTime([real, ...cast.map((actor) => actor.events)]));
const events = real.length + cast.reduce((sum, actor) => sum + actor.events.length, 0);

describe(`items 6–8 in the real log (${events.toLocaleString('en-US')} events)`, () => {
  describe('attackers', () => {
    it.each(
      attackers.map((actor) => {
        const outcome = outcomeOf(actor, lockouts);
        const first = outcome.lockouts[0];
        const title = first
          ? `${actor.name}: locked out after ${outcome.records} records by ${first.rule} (${first.scope}:${first.subject}; budget ${actor.budget})`
          : `${actor.name}: NOT locked out`;
        return [title, outcome] as const;
      }),
    )('%s', (_title, { actor, lockouts: mine, records }) => {
      expect(mine.length, `${actor.name}: no lockout`).toBeGreaterThan(0);
      expect(records).toBeLessThanOrEqual(actor.budget!);
    });
  });

  describe('benign', () => {
    for (const actor of [...benign, ...background]) {
      it(`${actor.name} (${actor.events.length.toLocaleString('en-US')} requests): no lockout`, () => {
        expect(outcomeOf(actor, lockouts).lockouts.map(describeLockout)).toEqual([]);
      });
    }
    it('none of the real log’s clients', () => {
      const clients = { subjects: subjectsSeen(real) };
      expect(lockouts.filter((l) => concerns(clients, l)).map(describeLockout)).toEqual([]);
    });
  });

  it(`the office NAT ${SHARED_NAT} is never locked, and its scraper's lockouts say why the session`, () => {
    expect(lockouts.filter((l) => l.subject === SHARED_NAT).map(describeLockout)).toEqual([]);
    const scraper = lockouts.find((l) => l.subject === 's-office-scraper');
    expect(scraper?.evidence.scopeReason).toMatch(/session is locked, not the address/);
  });
});
