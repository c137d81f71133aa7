// The engine's decisions depend on the events and their order only: not on how they
// are cut into batches (Kafka batches differ from replay's), and re-running the same
// events gives the same lockout ids.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../event/index.js';
import { BatchTally, DetectionPipeline, sortRecovered } from './index.js';
import { loadRules } from '../rules/shipped.js';
import { MemoryWindowStore } from '../window/memory-store.js';
import type { WindowStore } from '../window/store.js';

const { compiled } = await loadRules({ dirs: [], shipped: true });

const eventArbitrary = fc.record({
  dt: fc.integer({ min: 0, max: 3000 }),
  ip: fc.constantFrom('192.0.2.1', '192.0.2.2', '2001:db8::1', '2001:db8::2', '198.51.100.9'),
  user: fc.option(fc.constantFrom('alice', 'bob'), { nil: undefined }),
  session: fc.option(fc.constantFrom('s1', 's2', 's3'), { nil: undefined }),
  route: fc.constantFrom(
    '/api/users/',
    '/api/export/orders?page=',
    '/api/orders/',
    '/static/app.js?v=',
  ),
  id: fc.integer({ min: 0, max: 120 }),
  status: fc.constantFrom(200, 200, 200, 404, 403),
  bytes: fc.integer({ min: 0, max: 3_000_000 }),
});

type Draft = typeof eventArbitrary extends fc.Arbitrary<infer T> ? T : never;

function toEvents(drafts: Draft[]): AccessEvent[] {
  let ts = Date.parse('2026-01-05T09:00:00Z');
  return drafts.map((d) => {
    ts += d.dt;
    return {
      ts,
      ip: d.ip,
      method: 'GET',
      path: `${d.route}${d.id}`,
      status: d.status,
      bytes: d.bytes,
      ...(d.user && { user: d.user }),
      ...(d.session && { session: d.session }),
    };
  });
}

async function lockoutsInBatches(events: AccessEvent[], batchSize: number): Promise<string[]> {
  const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore(), {
    issuedAt: (ts) => ts,
  });
  const ids: string[] = [];
  for (let i = 0; i < events.length; i += batchSize) {
    const result = await pipeline.process(events.slice(i, i + batchSize));
    await pipeline.confirm(result);
    const { lockouts } = result;
    ids.push(...lockouts.map((l) => `${l.id} ${l.rule} ${l.scope}:${l.subject} ${l.eventTime}`));
  }
  return ids;
}

/** One address reading ids 0, 1, 2, … of one route, ten a second. */
function sequentialScan(length: number): AccessEvent[] {
  return toEvents(
    Array.from({ length }, (_, i) => ({
      dt: 100,
      ip: '192.0.2.1',
      user: undefined,
      session: undefined,
      route: '/api/users/',
      id: i,
      status: 200,
      bytes: 10,
    })),
  );
}

describe('DetectionPipeline', () => {
  it('gives the same lockouts whatever the batch size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArbitrary, { minLength: 50, maxLength: 600 }),
        fc.integer({ min: 1, max: 97 }),
        async (drafts, size) => {
          const events = toEvents(drafts);
          const whole = await lockoutsInBatches(events, events.length);
          expect(await lockoutsInBatches(events, size)).toEqual(whole);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('fires on a dense stream at all, so the property above compares something', async () => {
    const events = sequentialScan(300);
    const lockouts = await lockoutsInBatches(events, 300);
    // The fast and the slow scan rule both see 300 sequential ids; the route's window
    // sees a sweep at the 101st, whose one participant is this address; the address's
    // own breadth of records (no session or user) passes 150 distinct ones as well.
    expect(lockouts.map((l) => l.split(' ')[1])).toEqual([
      'sequential-id-scan',
      'distributed-sweep',
      'slow-id-scan',
      'object-breadth',
    ]);
  });

  it('counts evaluations, hits and suppressed findings rule by rule, redeliveries left out', async () => {
    const events = sequentialScan(120);
    const positions = events.map((_, offset) => ({ stream: 'input:0', offset }));
    const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore());
    const first = new BatchTally();
    await pipeline.process(events, positions, first);
    const scan = first.byRule.find((a) => a.rule === 'sequential-id-scan');
    // Fires at the 51st sequential id; every later one is a hit on an actor locked out.
    expect(scan).toEqual({
      rule: 'sequential-id-scan',
      mode: 'enforce',
      evaluations: 120,
      hits: 70,
      suppressed: 69,
      graced: 0,
    });
    expect(first.suppressed).toBe(first.byRule.reduce((sum, a) => sum + a.suppressed, 0));
    const again = new BatchTally();
    await pipeline.process(events, positions, again);
    // The sweep's 20 participant steps (events 101–120) are made again from the route's
    // peek (a crash between the calls loses none) and are redeliveries on their windows.
    expect(again.redelivered).toBe(first.observations);
    expect(again.byRule).toEqual([]);
  });

  it("counts hits within a lift's grace apart from hits on actors locked out", async () => {
    const events = sequentialScan(120);
    const store = new MemoryWindowStore();
    const pipeline = new DetectionPipeline(compiled, store);
    await pipeline.process(events.slice(0, 60), undefined, new BatchTally());
    await store.lift({ scope: 'ip', subject: '192.0.2.1', graceUntilMs: events.at(-1)!.ts + 1 });
    const tally = new BatchTally();
    await pipeline.process(events.slice(60), undefined, tally);
    const scan = tally.byRule.find((a) => a.rule === 'sequential-id-scan');
    // The window starts afresh at the 61st event: it fires again at the 111th.
    expect(scan).toMatchObject({ evaluations: 60, hits: 10, suppressed: 0, graced: 10 });
    // And the sweep's participant steps from the 101st event on: 20 more in the grace.
    expect([tally.suppressed, tally.graced]).toEqual([0, 30]);
  });

  it('counts a batch into the tally only once the store has answered, so a retry counts once', async () => {
    const events = sequentialScan(120);
    const memory = new MemoryWindowStore();
    let away = true;
    const flaky: WindowStore = {
      apply: (steps) => (away ? Promise.reject(new Error('store away')) : memory.apply(steps)),
      confirm: (lockouts) => memory.confirm(lockouts),
      lift: (request) => memory.lift(request),
      close: () => memory.close(),
    };
    const pipeline = new DetectionPipeline(compiled, flaky);
    const tally = new BatchTally();
    await expect(pipeline.process(events, undefined, tally)).rejects.toThrow('store away');
    expect([tally.allowlisted, tally.observations, tally.byRule]).toEqual([0, 0, []]);
    away = false;
    await pipeline.process(events, undefined, tally);
    const once = new BatchTally();
    await new DetectionPipeline(compiled, new MemoryWindowStore()).process(events, undefined, once);
    expect(tally.observations).toBeGreaterThan(0);
    expect(tally).toEqual(once);
  });
});

describe('sortRecovered', () => {
  const pending = (stream: string, offset: number) => ({
    key: { rule: 'r', scope: 'ip' as const, subject: 'a' },
    eventTs: offset,
    offence: 1,
    ttlMs: 1000,
    reading: [1],
    position: { stream, offset },
  });

  it('announces again what a redelivered batch granted, and only confirms what was committed', () => {
    const positions = [
      { stream: 'logs:0', offset: 100 },
      { stream: 'logs:0', offset: 101 },
    ];
    const { republish, published } = sortRecovered(
      [pending('logs:0', 99), pending('logs:0', 100), pending('logs:1', 5)],
      positions,
    );
    expect(republish.map((p) => p.position?.offset)).toEqual([100]);
    expect(published.map((p) => p.position?.offset)).toEqual([99]);
  });
});
