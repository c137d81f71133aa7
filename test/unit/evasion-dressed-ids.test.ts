// Issue 9 item 3 as a scenario: one address walks 200 sequential user ids, four
// requests a second, each id dressed in turn so that it is no plain id (`1234-x`,
// `1234.`, `1234%20`, `1234%00`, `+1234`, backslashes, 40 rotating suffixes, 4,100
// `/./` before the path…), all read by many backends as the record itself. Through
// the parse stage (its path cap included), the shipped rules and the in-memory store,
// it must be locked out as the same walk without dressings is.
import { describe, expect, it } from 'vitest';
import type { LockoutCommand } from '../../src/decide/lockout.js';
import type { AccessEvent } from '../../src/event/access-event.js';
import { parseEvent } from '../../src/event/parse.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';

const START = Date.parse('2026-01-05T09:00:00Z');
const ADDRESS = '203.0.113.99';
const FIRST_ID = 5000;
const IDS = 200;
const EVERY_MS = 250;

/** Paths of user `id`, each a dressing that backends read as that user. */
const DRESSINGS: readonly ((id: number) => string)[] = [
  (id) => `/api/users/${id}-x`,
  (id) => `/api/users/${id}.`,
  (id) => `/api/users/${id}%20`,
  (id) => `/api/users/${id}%00`,
  (id) => `/api/users/+${id}`,
  (id) => `/api\\users\\${id}`,
  (id) => `/api/users/${id}.f${String.fromCharCode(0x61 + (id % 26))}`,
  (id) => `/${'./'.repeat(4100)}api/users/${id}`,
  (id) => `/api/users/${id}-${id % 7}`,
  (id) => `/API/Users/${id}/`,
  (id) => `/api/users/${id};jsessionid=${id}`,
  (id) => `/api/users/${id}.json`,
];

function walk(dress: (id: number, i: number) => string): AccessEvent[] {
  return Array.from({ length: IDS }, (_, i) => {
    const line = JSON.stringify({
      ts: START + i * EVERY_MS,
      ip: ADDRESS,
      method: 'GET',
      path: dress(FIRST_ID + i, i),
      status: 200,
      bytes: 900,
      userAgent: 'curl/8.5.0',
    });
    const outcome = parseEvent(line, 'auto');
    if (!outcome.ok) throw new Error(`did not parse: ${outcome.error.message}`);
    return outcome.event;
  });
}

async function lockoutsOf(events: readonly AccessEvent[]): Promise<LockoutCommand[]> {
  const { compiled } = await loadRules({ dirs: [], shipped: true });
  const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore(), {
    issuedAt: (ts) => ts,
  });
  const result = await pipeline.process(events);
  await pipeline.confirm(result);
  return result.lockouts.filter((lockout) => lockout.scope === 'ip' && lockout.mode === 'enforce');
}

/** How many of the walk's requests had been made when the first lockout came. */
function requestsBeforeLockout(lockouts: readonly LockoutCommand[]): number | undefined {
  const first = lockouts[0];
  return first === undefined ? undefined : (Date.parse(first.eventTime) - START) / EVERY_MS + 1;
}

describe(`a ${IDS}-id walk by one address, ids dressed in ${DRESSINGS.length} ways in turn`, () => {
  it('is locked out by sequential-id-scan as soon as the plain walk is', async () => {
    const plain = await lockoutsOf(walk((id) => `/api/users/${id}`));
    const dressed = await lockoutsOf(walk((id, i) => DRESSINGS[i % DRESSINGS.length]!(id)));
    expect(plain.map((lockout) => lockout.rule)).toContain('sequential-id-scan');
    expect(dressed.map((lockout) => [lockout.rule, lockout.subject])).toContainEqual([
      'sequential-id-scan',
      ADDRESS,
    ]);
    expect(requestsBeforeLockout(dressed)).toBe(requestsBeforeLockout(plain));
    expect(dressed[0]?.evidence).toMatchObject({ route: '/api/users/:id' });
  });
});
