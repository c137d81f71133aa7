// Issue 9, item 1: a scanner pads its walk with repeats of ids it already fetched
// (`5000, 1, 1, 1, 5001, 1, 1, 1, …`, 4 req/s, one address, no session or user) to
// dilute the enumeration rules' share of close ids. A repeat fetches no new record, so
// it must not delay the lockout. Shipped rules, in-memory store, event time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LockoutCommand } from '../../src/decide/lockout.js';
import type { AccessEvent } from '../../src/event/access-event.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';

const START = Date.parse('2026-05-01T09:00:00Z');
const ADDRESS = '203.0.113.66';
const PER_SECOND = 4;

/** An id to fetch; `walk` marks the ids of the scan itself (not padding). */
interface Fetch {
  readonly id: number;
  readonly walk: boolean;
}

function eventsOf(fetches: readonly Fetch[]): AccessEvent[] {
  return fetches.map(({ id }, i) => ({
    ts: START + Math.floor((i * 1000) / PER_SECOND),
    ip: ADDRESS,
    method: 'GET',
    path: `/api/users/${id}`,
    status: 200,
    bytes: 900,
  }));
}

/**
 * The walk ids fetched up to and including the first lockout (Infinity: none), and
 * the lockouts. The whole stream goes in one batch: the store sees it in order.
 */
async function walkIdsUntilLockout(
  fetches: readonly Fetch[],
): Promise<{ walkIds: number; lockouts: LockoutCommand[] }> {
  const { compiled } = await loadRules({ dirs: [], shipped: true });
  const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore(), {
    issuedAt: (ts) => ts,
  });
  const events = eventsOf(fetches);
  const { lockouts } = await pipeline.process(events);
  const enforced = lockouts.filter((l) => l.mode === 'enforce' && l.subject === ADDRESS);
  if (enforced.length === 0) return { walkIds: Number.POSITIVE_INFINITY, lockouts };
  const until = Math.min(...enforced.map((l) => Date.parse(l.eventTime)));
  const walkIds = fetches.filter((f, i) => f.walk && events[i]!.ts <= until).length;
  return { walkIds, lockouts: enforced };
}

/** 5000, 5001, … with `repeats` requests for an already-fetched id after each. */
function paddedWalk(walkLength: number, repeats: number, padding = 1): Fetch[] {
  const fetches: Fetch[] = [];
  for (let k = 0; k < walkLength; k += 1) {
    fetches.push({ id: 5000 + k, walk: true });
    for (let r = 0; r < repeats; r += 1) fetches.push({ id: padding, walk: false });
  }
  // The padding id is fetched once before the walk: every later request for it is a repeat.
  return [{ id: padding, walk: false }, ...fetches];
}

describe('a walk padded with repeats of an already-fetched id (issue 9, item 1)', () => {
  it('is locked out at the unpadded walk count, whatever the padding', async () => {
    const unpadded = await walkIdsUntilLockout(paddedWalk(199, 0));
    expect(unpadded.walkIds).toBeLessThan(199);
    for (const repeats of [1, 2, 3, 4, 5]) {
      const padded = await walkIdsUntilLockout(paddedWalk(199, repeats));
      expect({ repeats, walkIds: padded.walkIds }).toEqual({ repeats, walkIds: unpadded.walkIds });
      expect(padded.lockouts[0]!.rule).toBe('sequential-id-scan');
    }
  });

  it('stays locked out however repeats of recent ids are interleaved (property)', async () => {
    const baseline = (await walkIdsUntilLockout(paddedWalk(120, 0))).walkIds;
    // Any walk id may be followed by any number of repeats of ids fetched before it
    // and still among the actor's recent ids (the detector's memory: the last 64).
    const padding = fc.array(fc.array(fc.nat({ max: 63 }), { maxLength: 6 }), {
      minLength: 120,
      maxLength: 120,
    });
    await fc.assert(
      fc.asyncProperty(padding, async (pads) => {
        const fetches: Fetch[] = [{ id: 1, walk: false }];
        const recent = [1];
        pads.forEach((after, k) => {
          fetches.push({ id: 5000 + k, walk: true });
          recent.push(5000 + k);
          if (recent.length > 64) recent.shift();
          for (const back of after) {
            fetches.push({ id: recent[Math.max(0, recent.length - 1 - back)]!, walk: false });
          }
        });
        const { walkIds } = await walkIdsUntilLockout(fetches);
        expect(walkIds).toBeLessThanOrEqual(baseline);
      }),
      { numRuns: 40 },
    );
  });

  // Padding with NEW far-away ids (3 random ids from a large table per sequential id)
  // dilutes the enumeration rules' share of close ids, so no id-scan rule fires; the
  // address's breadth of distinct records does (object-breadth keyed by address since
  // issue 14: wide harvesting), at a quarter of the records it would otherwise get.
  it('is caught when padded with new far-away ids (wide harvesting, issue 14)', async () => {
    let seed = 7;
    const far = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return 10_000_000 + (seed % 90_000_000);
    };
    const fetches: Fetch[] = [];
    for (let k = 0; k < 199; k += 1) {
      fetches.push({ id: 5000 + k, walk: true });
      for (let r = 0; r < 3; r += 1) fetches.push({ id: far(), walk: false });
    }
    const { walkIds, lockouts } = await walkIdsUntilLockout(fetches);
    expect(lockouts[0]?.rule).toBe('object-breadth');
    // 150 distinct records in all: about 38 of the walk's ids, the rest padding.
    expect(walkIds).toBeLessThanOrEqual(40);
  });
});
