// Scenario tests: the simulator's attackers and benign API actors mixed into the real
// 2015 Apache log (../shared/data), through the shipped rules and the in-memory store,
// in event-time order. Every attacker must be locked out within its budget of records;
// no benign actor, and none of the real log's own clients, may be locked out at all.
// The figures are in the test names, so a run reads as a report.
import { describe, expect, it } from 'vitest';
import {
  concerns,
  mergeByTime,
  standardScenario,
  subjectsSeen,
  type Actor,
} from '../../src/simulate/index.js';
import {
  describeLockout,
  detect,
  outcomeOf,
  readRealLog,
  type Outcome,
} from '../support/scenarios.js';

/** The cast takes 12 h of the real log. */
const START = Date.parse('2015-05-17T12:00:00Z');
const SEED = 20_150_517;

/** What an attacker's requests fetch: export pages, or one record each. */
function unitOf(actor: Actor): string {
  return actor.events.some((event) => event.path.includes('/export/')) ? 'pages' : 'records';
}

function attackerTitle({ actor, lockouts, records }: Outcome): string {
  const first = lockouts[0];
  const unit = unitOf(actor);
  if (!first) return `${actor.name}: NOT locked out (${records} ${unit}, budget ${actor.budget})`;
  return (
    `${actor.name}: locked out after ${records} ${unit} by ${first.rule} ` +
    `(${first.scope}:${first.subject}; budget ${actor.budget})`
  );
}

function benignTitle({ actor, lockouts, records }: Outcome): string {
  const size = `${actor.events.length.toLocaleString('en-US')} requests`;
  const first = lockouts[0];
  if (!first) return `${actor.name} (${size}): no lockout`;
  return (
    `${actor.name} (${size}): ${lockouts.length} lockouts, ` +
    `first ${first.rule} ${first.scope}:${first.subject} at its request ${records}, ` +
    `${first.eventTime.slice(0, 16)}Z`
  );
}

const real = readRealLog();
const { benign, attackers } = standardScenario({ start: START, seed: SEED });
const cast = [...benign, ...attackers];
const began = performance.now();
const lockouts = await detect(mergeByTime([real, ...cast.map((actor) => actor.events)]));
const seconds = (performance.now() - began) / 1000;
const eventCount = real.length + cast.reduce((sum, actor) => sum + actor.events.length, 0);
console.info(
  `scenarios: ${eventCount} events (${real.length} real), ${lockouts.length} lockouts, ` +
    `engine ${seconds.toFixed(2)} s (${Math.round(eventCount / seconds)} events/s)`,
);

describe(`scenarios in the real 2015 log: ${eventCount.toLocaleString('en-US')} events, shipped rules`, () => {
  it('the cast lies inside the real log’s time span', () => {
    const first = real[0]!.ts;
    const last = real.at(-1)!.ts;
    const outside = cast.filter((a) => a.events.some((e) => e.ts < first || e.ts > last));
    expect(outside.map((a) => a.name)).toEqual([]);
  });

  it(`announces each of its ${lockouts.length} lockouts once`, () => {
    const ids = lockouts.map((lockout) => lockout.id);
    expect(ids.length - new Set(ids).size, 'lockouts announced twice').toBe(0);
  });

  describe('every attacker is locked out (enforce) within its budget of records', () => {
    it.each(attackers.map((actor) => outcomeOf(actor, lockouts)).map((o) => [attackerTitle(o), o]))(
      '%s',
      (_title, { actor, lockouts: mine, records }) => {
        expect(
          mine.length,
          `${actor.name}: no lockout on ${JSON.stringify(actor.subjects)}`,
        ).toBeGreaterThan(0);
        expect(
          records,
          `${actor.name}: ${records} records before ${describeLockout(mine[0]!)}`,
        ).toBeLessThanOrEqual(actor.budget!);
      },
    );
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
