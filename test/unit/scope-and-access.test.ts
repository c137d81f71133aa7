// Issue 14, items 6 and 7, as properties over the shipped rules: whom a lockout names
// when an address is shared (the session or user that scrapes, never the office NAT
// around it), and which walks count (records routes whoever walks them; public pages
// not, and a crawler network's public reading never, even for a rule that counts
// public routes).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../src/event/access-event.js';
import { BatchTally, DetectionPipeline } from '../../src/pipeline/index.js';
import type { CompiledRuleSet } from '../../src/rules/compile.js';
import { loadRules } from '../../src/rules/shipped.js';
import {
  GOOGLEBOT_ADDRESS,
  GOOGLEBOT_AGENT,
  idScan,
  mergeByTime,
  natOffice,
  publicCrawl,
  type ScanOrder,
} from '../../src/simulate/index.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';

const START = Date.parse('2026-03-02T09:00:00Z');
const NAT = '198.51.100.60';
const { compiled: shipped } = await loadRules({ dirs: [], shipped: true });

async function run(events: readonly AccessEvent[], rules: CompiledRuleSet = shipped) {
  const tally = new BatchTally();
  const pipeline = new DetectionPipeline(rules, new MemoryWindowStore(), { issuedAt: (ts) => ts });
  const lockouts = [];
  for (let i = 0; i < events.length; i += 1000) {
    const result = await pipeline.process(events.slice(i, i + 1000), undefined, tally);
    await pipeline.confirm(result);
    lockouts.push(...result.lockouts.filter((l) => l.mode === 'enforce'));
  }
  return { lockouts, tally };
}

describe('a shared address (item 6)', () => {
  it('never locks the NAT when one session behind it scrapes, and locks that session or user within 100 records (property)', async () => {
    const order = fc.constantFrom<ScanOrder>('ascending', 'descending', 'strided', 'shuffled');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 150 }),
        order,
        fc.integer({ min: 200, max: 5000 }),
        fc.boolean(),
        fc.nat(),
        async (people, walk, everyMs, withUser, seed) => {
          const office = natOffice({
            start: START,
            seed,
            ip: NAT,
            durationMs: 40 * 60_000,
            users: people,
            perMinute: 3,
          });
          const identity = { ip: NAT, session: 's-scraper', ...(withUser && { user: 'scraper' }) };
          const scan = idScan({
            start: START + 60_000,
            seed,
            identity,
            count: 150,
            order: walk,
            everyMs,
            firstId: 40_000,
            range: 1000,
            route: '/api/customers',
          });
          const { lockouts } = await run([...mergeByTime([office.events, scan.events])]);
          expect(lockouts.filter((l) => l.scope === 'ip')).toEqual([]);
          const first = lockouts.find((l) => l.subject === 's-scraper' || l.subject === 'scraper');
          expect(first, `${walk} every ${everyMs} ms behind ${people} people`).toBeDefined();
          const taken = scan.events.filter((e) => e.ts <= Date.parse(first!.eventTime)).length;
          expect(taken).toBeLessThanOrEqual(100);
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);

  it('locks the address when it is the actor (no session or user), and says so', async () => {
    const scan = idScan({
      start: START,
      seed: 3,
      identity: { ip: NAT },
      count: 80,
      order: 'ascending',
      everyMs: 500,
    });
    const { lockouts } = await run(scan.events);
    expect(lockouts[0]).toMatchObject({ scope: 'ip', subject: NAT, rule: 'sequential-id-scan' });
    expect(lockouts[0]!.evidence.scopeReason).toMatch(
      /no session or user: the address is the actor/,
    );
  });
});

describe('public content and crawler networks (item 7)', () => {
  const crawl = (ip: string, route: string) =>
    publicCrawl({
      start: START,
      seed: 7,
      identity: { ip, userAgent: GOOGLEBOT_AGENT },
      trees: [{ route, pages: 400 }],
      everyMs: 300,
    }).events;

  it('leaves alone a crawler network walking a public tree in order, counted apart', async () => {
    const { lockouts, tally } = await run(crawl(GOOGLEBOT_ADDRESS, '/catalogue'));
    expect(lockouts).toEqual([]);
    expect(tally.crawlers).toBe(400);
  });

  it('locks the same walk over a records route, whoever claims to be walking it', async () => {
    for (const ip of [GOOGLEBOT_ADDRESS, '203.0.113.151']) {
      const { lockouts, tally } = await run(crawl(ip, '/api/catalogue'));
      expect(lockouts[0], ip).toMatchObject({
        rule: 'sequential-id-scan',
        scope: 'ip',
        subject: ip,
      });
      expect(tally.crawlers).toBe(0);
    }
  });

  it('with a rule counting public routes too, locks a walker there but never a crawler network', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exfilguard-public-'));
    await writeFile(
      join(dir, 'public-walks.yaml'),
      'kind: override\nrule: sequential-id-scan\nmatch: { access: [protected, public] }\n',
    );
    const { compiled } = await loadRules({ dirs: [dir], shipped: true });
    expect((await run(crawl(GOOGLEBOT_ADDRESS, '/catalogue'), compiled)).lockouts).toEqual([]);
    const other = await run(crawl('203.0.113.152', '/catalogue'), compiled);
    expect(other.lockouts[0]).toMatchObject({
      rule: 'sequential-id-scan',
      subject: '203.0.113.152',
    });
  });
});
