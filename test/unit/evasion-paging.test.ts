// Issue 14, item 1, as the attacker tries it: the same pages of a collection without
// tripping list-paging (shipped rules, in-memory store). Each way of dressing the
// walk must still be locked within the budget of 50 pages or 5,000 records; a person
// paging by hand and re-reading pages must not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../src/event/access-event.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';

const { compiled } = await loadRules({ dirs: [], shipped: true });
const START = Date.parse('2026-04-01T09:00:00Z');
const ADDRESS = '198.51.100.88';

/** Requests of one anonymous address, one every `everyMs`, with the queries given. */
function walk(queries: readonly string[], everyMs = 2000, route = '/api/customers'): AccessEvent[] {
  return queries.map((query, i) => ({
    ts: START + i * everyMs,
    ip: ADDRESS,
    method: 'GET',
    path: `${route}?${query}`,
    status: 200,
    bytes: 20_000,
  }));
}

/** Pages requested before list-paging's first lockout; Infinity when never locked. */
async function pagesBeforeLockout(events: readonly AccessEvent[]): Promise<number> {
  const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore(), { issuedAt: (t) => t });
  const { lockouts } = await pipeline.process(events);
  const first = lockouts.find((l) => l.rule === 'list-paging' && l.subject === ADDRESS);
  if (!first) return Number.POSITIVE_INFINITY;
  return events.filter((e) => e.ts <= Date.parse(first.eventTime)).length;
}

const pages = (count: number, query: (page: number) => string) =>
  Array.from({ length: count }, (_, i) => query(i + 2));

describe('list-paging against dressed walks (issue 14, item 1)', () => {
  it.each<[string, (page: number) => string]>([
    ['plain ?page=N', (n) => `page=${n}`],
    ['the name in capitals', (n) => `PAGE=${n}`],
    ['the name percent-encoded', (n) => `p%61ge=${n}`],
    ['a decoy first page before the real one', (n) => `page=1&page=${n}`],
    ['page and offset in turn', (n) => (n % 2 ? `page=${n}` : `offset=${n * 50}`)],
    ['the number written 1e1-style or padded', (n) => (n % 2 ? `page=${n}e0` : `page=000${n}`)],
    ['an opaque cursor', (n) => `cursor=${Buffer.from(`row:${n * 50}`).toString('base64url')}`],
  ])('locks %s within 50 pages', async (_name, query) => {
    expect(await pagesBeforeLockout(walk(pages(80, query)))).toBeLessThanOrEqual(50);
  });

  it('counts a huge limit at the cap: one page of limit=1e18 records no more than 10,000', async () => {
    const taken = await pagesBeforeLockout(
      walk(pages(10, (n) => `page=${n}&limit=1000000000000000000`)),
    );
    expect(taken).toBe(1);
  });

  it('adds up a walk spread over two aliases of one collection', async () => {
    const events = walk(pages(80, (n) => `page=${n}&limit=100`)).map((e, i) => ({
      ...e,
      path: e.path.replace('/api/customers', i % 2 ? '/api/v2/customers' : '/api/customers'),
    }));
    // 100 records a page: 4,000 records are 40 pages.
    expect(await pagesBeforeLockout(events)).toBeLessThanOrEqual(41);
  });

  it('locks any order of distinct pages at any pace from one a second to one a minute (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(
          Array.from({ length: 70 }, (_, i) => i + 2),
          { minLength: 70, maxLength: 70 },
        ),
        fc.integer({ min: 1000, max: 60_000 }),
        async (order, everyMs) => {
          const taken = await pagesBeforeLockout(
            walk(
              order.map((n) => `page=${n}`),
              everyMs,
            ),
          );
          expect(taken).toBeLessThanOrEqual(50);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('leaves alone a person paging 20 pages by hand and going back to each once', async () => {
    const byHand = [...pages(20, (n) => `page=${n}`), ...pages(20, (n) => `page=${n}`)];
    expect(await pagesBeforeLockout(walk(byHand, 25_000))).toBe(Number.POSITIVE_INFINITY);
  });
});
