// Figures of the sweep evasion tests (test/unit/evasion-sweep.test.ts,
// evasion-hostile-address.test.ts): shipped rules, in-memory store, event time; each
// attacker's records before its first lockout and in total, and the lockouts by rule.
import type { LockoutCommand } from '../../src/decide/lockout.js';
import type { AccessEvent } from '../../src/event/access-event.js';
import type { CompiledRuleSet } from '../../src/rules/compile.js';
import { mergeByTime, type Actor, type SweepOptions } from '../../src/simulate/index.js';
import { detect, outcomeOf, recordsInTotal, shippedRules } from './scenarios.js';

export const rules = await shippedRules();
export const START = Date.parse('2026-06-01T09:00:00Z');
export const MINUTE = 60_000;
export const BUDGET = 400;

export const SWEEP: SweepOptions = {
  start: START,
  seed: 14_005,
  addresses: 400,
  perSecond: 10,
  order: 'ascending',
  route: '/api/customers',
  firstId: 500_000,
};

export interface Figures {
  /** Records before (and with) the first lockout; Infinity when never locked. */
  readonly first: number;
  readonly total: number;
  readonly of: number;
  /** Lockouts by rule and scope, e.g. `distributed-sweep/ip: 387`. */
  readonly by: Record<string, number>;
  readonly lockouts: readonly LockoutCommand[];
}

export function figuresOf(actor: Actor, all: readonly LockoutCommand[]): Figures {
  const outcome = outcomeOf(actor, all);
  const by: Record<string, number> = {};
  for (const l of outcome.lockouts)
    by[`${l.rule}/${l.scope}`] = (by[`${l.rule}/${l.scope}`] ?? 0) + 1;
  return {
    first: outcome.lockouts.length > 0 ? outcome.records : Number.POSITIVE_INFINITY,
    total: recordsInTotal(actor, all),
    of: actor.events.length,
    by,
    lockouts: outcome.lockouts,
  };
}

export const told = (f: Figures) => {
  const by = Object.entries(f.by).map(([rule, n]) => `${rule} ${n}`);
  const first = Number.isFinite(f.first)
    ? `first lockout after ${f.first} records`
    : 'never locked';
  return `${first}, ${f.total} of ${f.of} in total${by.length ? ` (${by.join(', ')})` : ''}`;
};

/** One actor of several (its events merged, its subjects all of theirs). */
export function together(name: string, actors: readonly Actor[]): Actor {
  return {
    name,
    role: 'attacker',
    events: [...mergeByTime(actors.map((a) => a.events))],
    subjects: actors.flatMap((a) => a.subjects),
    budget: BUDGET,
  };
}

/** The attackers' figures, and the lockouts of the benign actors, over one stream. */
export async function run(
  attackers: readonly Actor[],
  benign: readonly Actor[] = [],
  extra: AccessEvent[] = [],
  ruleSet: CompiledRuleSet = rules,
): Promise<{ all: LockoutCommand[]; benignLocked: LockoutCommand[] }> {
  const all = await detect(
    mergeByTime([...attackers, ...benign].map((a) => a.events).concat([extra])),
    ruleSet,
  );
  const benignLocked = all.filter((l) =>
    benign.some((b) => b.subjects.some((s) => s.scope === l.scope && s.subject === l.subject)),
  );
  return { all, benignLocked };
}
