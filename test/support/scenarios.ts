// The scenario harness: actors of the simulator mixed into the real 2015 Apache log
// (../shared/data), through rule sets and the in-memory store, in event-time order,
// and each actor's outcome (its lockouts, the records it got before the first one).
// Used by test/unit/scenarios*.test.ts; the figures go into the test names.
import { readFileSync } from 'node:fs';
import type { LockoutCommand } from '../../src/decide/lockout.js';
import type { AccessEvent } from '../../src/event/access-event.js';
import { parseEvent } from '../../src/event/parse.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import type { CompiledRuleSet } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/shipped.js';
import {
  concerns,
  inBatches,
  mergeByTime,
  sortedByTime,
  subjectsOf,
  type Actor,
} from '../../src/simulate/index.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';

const REAL_LOG = new URL(
  '../../../shared/data/elastic-examples-apache-combined-2015.log',
  import.meta.url,
);
/** The real log runs 2015-05-17 10:05 to 2015-05-20 21:05 UTC. */
export const REAL_LOG_START = Date.parse('2015-05-17T10:05:00Z');
export const REAL_LOG_END = Date.parse('2015-05-20T21:05:00Z');

export function readRealLog(): AccessEvent[] {
  const events: AccessEvent[] = [];
  for (const line of readFileSync(REAL_LOG, 'utf8').split('\n')) {
    if (line === '') continue;
    const outcome = parseEvent(line, 'auto');
    if (!outcome.ok) throw new Error(`real log line did not parse: ${outcome.error.message}`);
    events.push(outcome.event);
  }
  return sortedByTime(events);
}

export async function shippedRules(): Promise<CompiledRuleSet> {
  return (await loadRules({ dirs: [], shipped: true })).compiled;
}

/** Every lockout the rules issue over the stream, in batches of `batch` events. */
export async function detect(
  stream: Iterable<AccessEvent>,
  rules?: CompiledRuleSet,
  batch = 2000,
): Promise<LockoutCommand[]> {
  const pipeline = new DetectionPipeline(rules ?? (await shippedRules()), new MemoryWindowStore(), {
    issuedAt: (ts) => ts,
  });
  const lockouts: LockoutCommand[] = [];
  for (const events of inBatches(stream, batch)) {
    const result = await pipeline.process(events);
    // Published (here: collected), so the store forgets them as pending.
    await pipeline.confirm(result);
    lockouts.push(...result.lockouts);
  }
  return lockouts;
}

export interface Outcome {
  readonly actor: Actor;
  /** The actor's lockouts, earliest first. */
  readonly lockouts: readonly LockoutCommand[];
  /** The actor's requests up to and including the first lockout's event time. */
  readonly records: number;
}

export function outcomeOf(actor: Actor, all: readonly LockoutCommand[]): Outcome {
  const lockouts = all
    .filter((lockout) => lockout.mode === 'enforce' && concerns(actor, lockout))
    .sort((a, b) => Date.parse(a.eventTime) - Date.parse(b.eventTime));
  const first = lockouts[0];
  const until = first ? Date.parse(first.eventTime) : Number.POSITIVE_INFINITY;
  return { actor, lockouts, records: actor.events.filter((event) => event.ts <= until).length };
}

export function describeLockout(lockout: LockoutCommand): string {
  return `${lockout.rule} ${lockout.scope}:${lockout.subject} at ${lockout.eventTime} (${lockout.reason})`;
}

/** Each request counts until its own identity (session, else address) is locked. */
export function recordsInTotal(actor: Actor, all: readonly LockoutCommand[]): number {
  const lockedAt = new Map<string, number>();
  for (const lockout of all) {
    if (lockout.mode !== 'enforce') continue;
    const key = `${lockout.scope}:${lockout.subject}`;
    const at = Date.parse(lockout.eventTime);
    if (at < (lockedAt.get(key) ?? Infinity)) lockedAt.set(key, at);
  }
  return actor.events.filter((event) => {
    const until = Math.min(
      ...subjectsOf(event).map((s) => lockedAt.get(`${s.scope}:${s.subject}`) ?? Infinity),
    );
    return event.ts <= until;
  }).length;
}

/** A benign actor's outcome as a test title: its size, and its lockouts if any. */
export function benignTitle({ actor, lockouts, records }: Outcome): string {
  const size = `${actor.events.length.toLocaleString('en-US')} requests`;
  const first = lockouts[0];
  if (!first) return `${actor.name} (${size}): no lockout`;
  return `${actor.name} (${size}): ${lockouts.length} lockouts, first ${first.rule} at its request ${records}`;
}

/**
 * A cast mixed into the real log with the standard scenario's benign actors, through
 * the shipped rules: the actors, the lockouts, and how many events there were.
 */
export async function castInRealLog(
  cast: { readonly benign: readonly Actor[]; readonly attackers: readonly Actor[] },
  standardBenign: readonly Actor[],
): Promise<{
  real: AccessEvent[];
  benign: Actor[];
  actors: Actor[];
  lockouts: LockoutCommand[];
  eventCount: number;
}> {
  const real = readRealLog();
  const benign = [...cast.benign, ...standardBenign];
  const actors = [...benign, ...cast.attackers];
  const lockouts = await detect(mergeByTime([real, ...actors.map((actor) => actor.events)]));
  const eventCount = real.length + actors.reduce((sum, actor) => sum + actor.events.length, 0);
  return { real, benign, actors, lockouts, eventCount };
}
