// `npm run crawlers`: the crawler snapshot (rules/crawlers.yaml) rebuilt from lists in
// the shape Google and Bing publish; what it writes loads as a `kind: crawlers` rule
// document, and a list that is not one is refused with its name and what is wrong.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../src/rules/compile.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { crawlersDocument } from '../../scripts/lib/crawler-networks.js';

const GOOGLE = JSON.stringify({
  creationTime: '2026-11-20T14:46:20.000000',
  prefixes: [{ ipv6Prefix: '2001:4860:4801:10::/64' }, { ipv4Prefix: '66.249.64.0/27' }],
});
const BING = JSON.stringify({
  creationTime: '2026-11-02T00:00:00',
  prefixes: [{ ipv4Prefix: '157.55.39.0/24' }, { ipv4Prefix: '157.55.39.0/24' }],
});

describe('crawler networks snapshot', () => {
  it('writes a crawlers document dated by its oldest list, which the rule loader reads', async () => {
    const text = crawlersDocument([
      { name: 'googlebot', text: GOOGLE },
      { name: 'bingbot', text: BING },
    ]);
    expect(text).toContain("snapshot: '2026-11-02'");
    expect(text).toContain('source: https://www.bing.com/toolbox/bingbot.json');
    const dir = await mkdtemp(join(tmpdir(), 'exfilguard-crawlers-'));
    await writeFile(join(dir, 'crawlers.yaml'), text);
    const { routes } = compileRuleSet(await loadRuleSet([dir]));
    expect(routes.crawlers[0]!.networks.map((n) => [n.name, n.cidrs.length])).toEqual([
      ['googlebot', 2],
      ['bingbot', 1],
    ]);
    expect(routes.isCrawler('66.249.64.31')).toBe(true);
    expect(routes.isCrawler('66.249.64.32')).toBe(false);
    expect(routes.isCrawler('157.55.39.200')).toBe(true);
  });

  it.each([
    ['not json', /googlebot: not JSON/],
    ['{"prefixes": []}', /no "creationTime" day/],
    ['{"creationTime": "2026-11-20", "prefixes": []}', /no "prefixes" list/],
    [
      '{"creationTime": "2026-11-20", "prefixes": [{"cidr": "1.2.3.0/24"}]}',
      /prefixes\[0\] has no/,
    ],
    [
      '{"creationTime": "2026-11-20", "prefixes": [{"ipv4Prefix": "8.0.0.0/8"}]}',
      /wider than \/16/,
    ],
  ])('refuses %s', (text, message) => {
    expect(() => crawlersDocument([{ name: 'googlebot', text }])).toThrow(message);
  });
});
