// The store contract's part on an operator's lift (LiftRequest in src/window/store.ts),
// run by describeWindowStore for every store. A lift clears every window of the actor,
// whatever rules are named (the Redis store names a window by an HMAC of rule and route,
// so it cannot pick one rule's windows without knowing its routes); the lifted rules'
// offences and unconfirmed lockouts go, and a grace marker refuses their claims until
// the grace ends; after it, a claim is a first offence again.
import { describe, expect, it } from 'vitest';
import type { ClaimResult } from '../../src/decide/policy.js';
import type { RecordPosition, Step, StepResult, WindowStore } from '../../src/window/store.js';

const MINUTE = { windowMs: 60_000, bucketMs: 5_000 };

/** A counter of rule `rule` that fires at 3 and escalates (so offence numbers show). */
function firing(rule: string, subject: string, ts: number, position?: RecordPosition): Step {
  const escalation = { factor: 2, maxTtlMs: 3_600_000, forgetAfterMs: 86_400_000 };
  return {
    observation: {
      kind: 'counter',
      key: { rule, scope: 'ip', subject },
      ts,
      window: MINUTE,
      add: [1],
    },
    fire: { atLeast: [3] },
    lockout: { ttlMs: 60_000, escalation },
    ...(position && { position }),
  };
}

/** What a test compares of a step: its reading's first figure and its claim. */
function outcome(result: StepResult): [number | undefined, ClaimResult | undefined] {
  return [result.reading[0], result.claim];
}

const GRACE = (graceUntil: number): ClaimResult => ({
  granted: false,
  offence: 0,
  ttlMs: 0,
  lockedUntil: graceUntil,
  grace: true,
});

export function describeLift(makeStore: () => Promise<WindowStore>): void {
  describe('after a lift', () => {
    it("starts the lifted rule's window from zero, refuses it in the grace, grants a first offence after", async () => {
      const store = await makeStore();
      const locked = await store.apply([0, 1_000, 2_000, 3_000].map((ts) => firing('r', 'a', ts)));
      expect(locked.results.map((r) => [r.claim?.granted, r.claim?.offence])).toEqual([
        [undefined, undefined],
        [undefined, undefined],
        [true, 1],
        [false, 1],
      ]);
      await store.lift({ scope: 'ip', subject: 'a', rules: ['r'], graceUntilMs: 30_000 });
      const { results } = await store.apply(
        [4_000, 5_000, 6_000, 29_999, 30_000].map((ts) => firing('r', 'a', ts)),
      );
      // Offence 1 again, not 2: a lift forgets the rule's offences (policy.ts liftedState).
      expect(results.map(outcome)).toEqual([
        [1, undefined],
        [2, undefined],
        [3, GRACE(30_000)],
        [4, GRACE(30_000)],
        [5, { granted: true, offence: 1, ttlMs: 60_000, lockedUntil: 90_000 }],
      ]);
      await store.close();
    });

    it("leaves another rule's lockout and offences alone, though its windows start afresh", async () => {
      const store = await makeStore();
      await store.apply(
        [0, 1_000, 2_000].flatMap((ts) => [firing('r', 'a', ts), firing('q', 'a', ts)]),
      );
      await store.lift({ scope: 'ip', subject: 'a', rules: ['r'], graceUntilMs: 30_000 });
      const { results } = await store.apply(
        [3_000, 4_000, 5_000].flatMap((ts) => [firing('r', 'a', ts), firing('q', 'a', ts)]),
      );
      expect(results.map(outcome)).toEqual([
        [1, undefined],
        [1, undefined],
        [2, undefined],
        [2, undefined],
        [3, GRACE(30_000)],
        // Still locked by its own lockout (offence 1 from 2 s, for a minute): not a grace.
        [3, { granted: false, offence: 1, ttlMs: 60_000, lockedUntil: 62_000 }],
      ]);
      await store.close();
    });

    it('of every rule, refuses each rule in the grace and grants each a first offence after', async () => {
      const store = await makeStore();
      await store.apply(
        [0, 1_000, 2_000].flatMap((ts) => [firing('r', 'a', ts), firing('q', 'a', ts)]),
      );
      await store.lift({ scope: 'ip', subject: 'a', graceUntilMs: 30_000 });
      const { results } = await store.apply(
        [3_000, 4_000, 5_000, 30_000].flatMap((ts) => [firing('r', 'a', ts), firing('q', 'a', ts)]),
      );
      const granted = { granted: true, offence: 1, ttlMs: 60_000, lockedUntil: 90_000 };
      expect(results.slice(4).map(outcome)).toEqual([
        [3, GRACE(30_000)],
        [3, GRACE(30_000)],
        [4, granted],
        [4, granted],
      ]);
      await store.close();
    });

    it('of a subject never seen, holds the grace only; without one it changes nothing', async () => {
      const store = await makeStore();
      await store.lift({ scope: 'ip', subject: 'new', rules: ['r'], graceUntilMs: 0 });
      await store.lift({ scope: 'ip', subject: 'graced', rules: ['r'], graceUntilMs: 10_000 });
      const { results, recovered } = await store.apply(
        [0, 1_000, 2_000].flatMap((ts) => [firing('r', 'new', ts), firing('r', 'graced', ts)]),
      );
      expect(results.map(outcome)).toEqual([
        [1, undefined],
        [1, undefined],
        [2, undefined],
        [2, undefined],
        [3, { granted: true, offence: 1, ttlMs: 60_000, lockedUntil: 62_000 }],
        [3, GRACE(10_000)],
      ]);
      expect(recovered).toEqual([]);
      await store.close();
    });

    it('naming no rule, clears the windows only', async () => {
      const store = await makeStore();
      await store.apply([0, 1_000, 2_000].map((ts) => firing('r', 'a', ts)));
      await store.lift({ scope: 'ip', subject: 'a', rules: [], graceUntilMs: 30_000 });
      await store.lift({ scope: 'ip', subject: 'new', rules: [], graceUntilMs: 30_000 });
      const { results } = await store.apply(
        [3_000, 4_000, 5_000].flatMap((ts) => [firing('r', 'a', ts), firing('r', 'new', ts)]),
      );
      expect(results.slice(4).map(outcome)).toEqual([
        [3, { granted: false, offence: 1, ttlMs: 60_000, lockedUntil: 62_000 }],
        [3, { granted: true, offence: 1, ttlMs: 60_000, lockedUntil: 65_000 }],
      ]);
      await store.close();
    });

    it("forgets the lifted rule's unconfirmed lockouts, not another's; redeliveries still change nothing", async () => {
      const store = await makeStore();
      const at = (rule: string, ts: number, offset: number) =>
        firing(rule, 'a', ts, { stream: `logs:${rule}`, offset });
      const first = await store.apply(
        [10, 11, 12].flatMap((offset) => [at('r', offset, offset), at('q', offset, offset)]),
      );
      expect(first.results.filter((r) => r.claim?.granted)).toHaveLength(2);
      await store.lift({ scope: 'ip', subject: 'a', rules: ['r'], graceUntilMs: 0 });
      const again = await store.apply([at('r', 12, 12), at('q', 12, 12), at('r', 13, 13)]);
      // Redelivered: not applied, and the cleared windows read as empty.
      expect(again.results.map((r) => [r.applied, r.reading[0]])).toEqual([
        [false, 0],
        [false, 0],
        [true, 1],
      ]);
      expect(again.recovered.map((lockout) => [lockout.key.rule, lockout.eventTs])).toEqual([
        ['q', 12],
      ]);
      await store.close();
    });
  });
}
