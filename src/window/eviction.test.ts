// Replay's memory cap (issue 9, item 10): a flood of fresh actors far above the cap
// stays under it, the evictions are counted, and the scanner hidden in the flood is
// still locked out: the least recently seen go first, and a scanner is never that.
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../event/access-event.js';
import { DetectionPipeline } from '../pipeline/index.js';
import { loadRules } from '../rules/shipped.js';
import { evictLeastRecentlySeen, type EvictableActor } from './eviction.js';
import { MemoryWindowStore } from './memory-store.js';

const { compiled } = await loadRules({ dirs: [], shipped: true });
const START = Date.parse('2026-01-05T09:00:00Z');

/** 120 s: a scanner walking ids once a second, and 15 fresh actors a second around it. */
function floodWithScanner(): AccessEvent[] {
  const events: AccessEvent[] = [];
  for (let second = 0; second < 120; second += 1) {
    const ts = START + second * 1000;
    events.push({
      ts,
      ip: '192.0.2.99',
      method: 'GET',
      path: `/api/users/${5000 + second}`,
      status: 200,
      bytes: 0,
    });
    for (let k = 0; k < 15; k += 1) {
      const a = second * 15 + k;
      events.push({
        ts: ts + 1 + k,
        ip: `10.1.${a >> 8}.${a & 255}`,
        method: 'GET',
        path: `/api/orders/${1_000_000 + a * 7_919}`,
        status: 200,
        bytes: 0,
        session: `s-${a}`,
        user: `u-${a}`,
      });
    }
  }
  return events;
}

describe('the memory store under its cap', () => {
  it('stays under the cap through a flood, counts evictions, and still locks out the scanner', async () => {
    const cap = 2000;
    const store = new MemoryWindowStore({ maxWindows: cap });
    const pipeline = new DetectionPipeline(compiled, store, { issuedAt: (ts) => ts });
    const events = floodWithScanner();
    const lockouts: string[] = [];
    let most = 0;
    for (let i = 0; i < events.length; i += 500) {
      const result = await pipeline.process(events.slice(i, i + 500));
      await pipeline.confirm(result);
      lockouts.push(...result.lockouts.map((l) => `${l.rule} ${l.scope}:${l.subject}`));
      most = Math.max(most, store.trackedWindows);
    }
    expect(most).toBeLessThanOrEqual(cap);
    // 1,800 fresh people (a session and a user each: their address is not counted, it
    // carries them) of 6–7 windows per scope went through a cap of 2,000.
    expect(store.evicted.actors).toBeGreaterThan(3000);
    expect(store.evicted.windows).toBeGreaterThan(10_000);
    expect(lockouts).toContain('sequential-id-scan ip:192.0.2.99');
  }, 60_000);
});

interface CountedActor extends EvictableActor {
  readonly windows: number;
}

function actor(lastSeen: number, seen: number, windows: number, pending = false): CountedActor {
  return {
    windows,
    ...(pending && { pending: new Map([['p', {}]]) }),
    lastSeen,
    seen,
  };
}

describe('evictLeastRecentlySeen', () => {
  it('evicts the oldest sightings first, keeps pending lockouts, and breaks ties by activity', () => {
    const subjects = new Map([
      ['old', actor(1, 50, 3)],
      ['old-pending', actor(0, 1, 3, true)],
      ['busy-now', actor(9, 400, 3)],
      ['fresh-now', actor(9, 1, 3)],
      ['newest', actor(10, 1, 3)],
    ]);
    const counts = { actors: 0, windows: 0 };
    const windowsOf = (a: CountedActor) => a.windows;
    expect(evictLeastRecentlySeen(new Map([['ip', subjects]]), 6, counts, windowsOf)).toBe(6);
    expect([...subjects.keys()]).toEqual(['old-pending', 'busy-now', 'newest']);
    expect(counts).toEqual({ actors: 2, windows: 6 });
  });
});
