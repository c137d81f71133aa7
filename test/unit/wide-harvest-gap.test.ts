// Issue 9 names one evasion that no shipped rule can catch yet and that belongs to the
// detection issue (14, "wide harvesting"): an address with no session and no user
// opening many distinct records of one route at machine pace, in no order, over a huge
// id space, so that no two ids are close. The id-scan rules see no close ids,
// object-breadth measures only sessions and users, and nothing else watches a bare
// address. Kept here as a known gap: this test fails today (no lockout), and starts
// passing (so `it.fails` turns red and must be promoted to `it`) once issue 14 lands.
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../src/event/access-event.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { mulberry32 } from '../../src/simulate/random.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';

const START = Date.parse('2026-05-01T09:00:00Z');
const ADDRESS = '198.51.100.77';

/** 2,000 distinct ids drawn from 100 million, 4 a second, one address, no session or user. */
function wideHarvest(): AccessEvent[] {
  const random = mulberry32(14);
  const ids = new Set<number>();
  while (ids.size < 2000) ids.add(1 + Math.floor(random() * 100_000_000));
  return [...ids].map((id, i) => ({
    ts: START + i * 250,
    ip: ADDRESS,
    method: 'GET',
    path: `/api/customers/${id}`,
    status: 200,
    bytes: 1200,
  }));
}

describe('wide harvesting by a bare address (known gap, issue 14)', () => {
  it.fails(
    'locks out 2,000 distinct records taken in no order within its budget of 200',
    async () => {
      const { compiled } = await loadRules({ dirs: [], shipped: true });
      const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore(), {
        issuedAt: (ts) => ts,
      });
      const events = wideHarvest();
      const { lockouts } = await pipeline.process(events);
      const first = lockouts.find((l) => l.subject === ADDRESS && l.mode === 'enforce');
      expect(first).toBeDefined();
      const taken = events.filter((e) => e.ts <= Date.parse(first!.eventTime)).length;
      expect(taken).toBeLessThanOrEqual(200);
    },
  );
});
