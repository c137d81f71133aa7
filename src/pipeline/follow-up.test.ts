// A crash between a batch's first store call and its follow-up calls (sweep
// participants, the address behind locked sessions): the redelivered batch must end
// with the lockouts of a run that never crashed, ids included.
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../event/index.js';
import { DetectionPipeline } from './index.js';
import { loadRules } from '../rules/shipped.js';
import { MemoryWindowStore } from '../window/memory-store.js';
import type { RecordPosition, WindowStore } from '../window/store.js';

const { compiled } = await loadRules({ dirs: [], shipped: true });
const START = Date.parse('2026-03-02T10:00:00Z');

/** 220 ids of one route in order, each from an address of its own (rotating proxies). */
function sweep(): AccessEvent[] {
  return Array.from({ length: 220 }, (_, i) => ({
    ts: START + i * 200,
    ip: `198.18.${Math.floor(i / 200)}.${(i % 200) + 1}`,
    method: 'GET',
    path: `/api/customers/${5000 + i}`,
    status: 200,
    bytes: 900,
  }));
}

/** Three sessions behind one address, each walking 80 ids: each locked, then the address. */
function hostileSessions(): AccessEvent[] {
  const events = [0, 1, 2].flatMap((s) =>
    Array.from({ length: 80 }, (_, i) => ({
      ts: START + s * 20_000 + i * 200,
      ip: '203.0.113.7',
      method: 'GET',
      path: `/api/invoices/${s * 10_000 + i}`,
      status: 200,
      bytes: 900,
      session: `session-${s}`,
    })),
  );
  return events.sort((a, b) => a.ts - b.ts);
}

const line = (l: { id: string; rule: string; scope: string; subject: string }) =>
  `${l.id} ${l.rule} ${l.scope}:${l.subject}`;

/** The memory store, whose `apply` call number `failing` (from 1) fails once. */
function failingOnce(failing: number): WindowStore {
  const memory = new MemoryWindowStore();
  let calls = 0;
  return {
    apply: (steps) => {
      calls += 1;
      return calls === failing ? Promise.reject(new Error('crash')) : memory.apply(steps);
    },
    confirm: (lockouts) => memory.confirm(lockouts),
    lift: (request) => memory.lift(request),
    close: () => memory.close(),
  };
}

describe('follow-up steps after a crash between the calls', () => {
  const cases = [
    ['sweep participants', 2, sweep(), 'distributed-sweep'],
    ['the address behind three locked sessions', 2, hostileSessions(), 'hostile-address'],
    ['the address behind three locked sessions', 3, hostileSessions(), 'hostile-address'],
  ] as const;
  it.each(cases)(
    '%s, store call %d failing: the batch delivered again ends as a run without the crash',
    async (_name, failing, events, rule) => {
      const positions = positionsOf(events);
      const expected = await reference(events, positions);
      expect(expected.filter((l) => l.includes(` ${rule} `)).length).toBeGreaterThan(0);

      // The first call lands (its state and pending lockouts kept), a follow-up call
      // fails: the batch is neither published nor committed, and Kafka delivers it again.
      const pipeline = new DetectionPipeline(compiled, failingOnce(failing));
      await expect(pipeline.process(events, positions)).rejects.toThrow('crash');
      const again = await pipeline.process(events, positions);
      expect(again.lockouts.map(line).sort()).toEqual(expected);
    },
  );

  it('sweep participants, the batch delivered again in halves: every participant, and only the sweep’s addresses', async () => {
    const events = sweep();
    const positions = positionsOf(events);
    const expected = await reference(events, positions);
    const pipeline = new DetectionPipeline(compiled, failingOnce(2));
    await expect(pipeline.process(events, positions)).rejects.toThrow('crash');
    const half = 110;
    const first = await pipeline.process(events.slice(0, half), positions.slice(0, half));
    const second = await pipeline.process(events.slice(half), positions.slice(half));
    const got = [...first.lockouts, ...second.lockouts].map(line);
    // The first half is judged on the route's figures after the whole batch, less its own
    // later steps: a few of its addresses before the sweep was on may be locked too.
    for (const lockout of expected) expect(got).toContain(lockout);
    const sweepers = new Set(events.map((e) => `ip:${e.ip}`));
    for (const lockout of got) expect(sweepers.has(lockout.split(' ')[2]!), lockout).toBe(true);
    expect(new Set(got).size).toBe(got.length);
  });
});

function positionsOf(events: readonly AccessEvent[]): RecordPosition[] {
  return events.map((_, offset) => ({ stream: 'in-0', offset }));
}

async function reference(events: AccessEvent[], positions: RecordPosition[]): Promise<string[]> {
  const store = new MemoryWindowStore();
  const result = await new DetectionPipeline(compiled, store).process(events, positions);
  return result.lockouts.map(line).sort();
}
