// One address walking a busy anonymous route alone is a scanner, not a sweep: the
// per-address rules lock it (sequential-id-scan at 50 close ids), and a gateway refuses
// it from then on. distributed-sweep counts records taken (2xx answers), so the
// scanner's refused requests never turn the route's sweep on, and none of the people
// who read records beside its frontier is taken for a participant. Replayed without a
// gateway (the scanner answered 200 to the end), the same log does turn it on: the
// figure is in the title, for whoever tunes on unenforced logs.
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../src/event/access-event.js';
import { idScan, mergeByTime, routeReaders } from '../../src/simulate/index.js';
import { describeLockout, detect } from '../support/scenarios.js';

const START = Date.parse('2026-02-02T09:00:00Z');
const MINUTE = 60_000;
const scanner = idScan({
  start: START + 5 * MINUTE,
  seed: 41,
  identity: { ip: '203.0.113.99' },
  count: 400,
  everyMs: 500,
  route: '/api/customers',
  firstId: 1000,
  order: 'ascending',
});
const readers = routeReaders({
  start: START,
  seed: 42,
  route: '/api/customers',
  durationMs: 30 * MINUTE,
  perSecond: 3,
  pick: (random) => random.int(1, 200_000),
  name: 'anonymous readers of /api/customers, random records 1–200,000',
});
const isReader = (subject: string) => subject.startsWith('100.');

/** The scanner as a gateway serves it: refused (403) from its first lockout on. */
function enforced(events: readonly AccessEvent[], lockedAt: number): AccessEvent[] {
  return events.map((e) => (e.ts >= lockedAt ? { ...e, status: 403, bytes: 0 } : e));
}

const unenforced = await detect(mergeByTime([readers.events, scanner.events]));
const first = unenforced.find((l) => l.subject === '203.0.113.99');
const bystanders = unenforced.filter((l) => isReader(l.subject));

describe(`a lone scanner among ${readers.events.length} anonymous readers of one route`, () => {
  it('is locked by the per-address rules', () => {
    expect(first?.rule).toBe('sequential-id-scan');
  });

  it(`behind a gateway that refuses it once locked, locks no reader (unenforced replay: ${bystanders.length} readers locked)`, async () => {
    const lockedAt = Date.parse(first!.eventTime);
    const got = await detect(mergeByTime([readers.events, enforced(scanner.events, lockedAt)]));
    expect(got.filter((l) => isReader(l.subject)).map(describeLockout)).toEqual([]);
    expect(got.some((l) => l.subject === '203.0.113.99')).toBe(true);
  });
});

// Random reads of a small id space: an id falls within 8 of one of the last 8 ids
// (closeAmong) about one time in 37 on 5,000 records (8 × 17 / 5,000), far under the
// 15 % share a sweep needs, at any rate. (Judged against all 64 recent ids it was one in
// five: 664 of these readers were locked.) Under about 900 records it would reach 15 %.
const denseReaders = (perSecond: number) =>
  routeReaders({
    start: START,
    seed: 43,
    route: '/api/customers',
    durationMs: 30 * MINUTE,
    perSecond,
    pick: (random) => random.int(1, 5000),
    name: `anonymous readers of 5,000 records at random, ${perSecond}/s for 30 min`,
  });
describe('a small id space read at random', () => {
  it.each([3, 20])('%d reads a second lock no reader', async (perSecond) => {
    const locked = (await detect(denseReaders(perSecond).events)).filter((l) =>
      isReader(l.subject),
    );
    expect(locked.map(describeLockout)).toEqual([]);
  });
});
