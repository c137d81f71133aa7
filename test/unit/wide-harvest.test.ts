// Wide harvesting (issue 14, item 3): an address with no session and no user opening
// many distinct records of one route at machine pace, in no order, over a huge id
// space, so that no two ids are close: the id-scan rules see no close ids; the
// address's breadth of distinct records (object-breadth, keyed by the address's own
// traffic) locks it within its budget of 200. And its benign twin: hundreds of people
// behind one NAT address, who carry sessions, browsing the same route, stay quiet.
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

async function lockoutsOf(events: readonly AccessEvent[]) {
  const { compiled } = await loadRules({ dirs: [], shipped: true });
  const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore(), {
    issuedAt: (ts) => ts,
  });
  return (await pipeline.process(events)).lockouts.filter((l) => l.mode === 'enforce');
}

describe('wide harvesting by a bare address (issue 14, item 3)', () => {
  it('locks out 2,000 distinct records taken in no order within its budget of 200', async () => {
    const events = wideHarvest();
    const first = (await lockoutsOf(events)).find((l) => l.subject === ADDRESS);
    expect(first).toMatchObject({ rule: 'object-breadth', scope: 'ip' });
    expect(first!.evidence.scopeReason).toMatch(/no session or user/);
    const taken = events.filter((e) => e.ts <= Date.parse(first!.eventTime)).length;
    expect(taken).toBeLessThanOrEqual(200);
  });

  it('leaves alone 400 people with sessions behind one NAT address opening the same records', async () => {
    const random = mulberry32(140);
    const events: AccessEvent[] = [];
    // The same 2,000 records an hour, spread over 400 sessions: 5 each, minutes apart.
    wideHarvest().forEach((event, i) => {
      const person = Math.floor(random() * 400);
      events.push({
        ...event,
        ts: START + i * 1800,
        session: `nat-${person}`,
        user: `emp${person}`,
      });
    });
    expect(await lockoutsOf(events)).toEqual([]);
  });
});
