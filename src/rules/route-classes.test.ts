// Route classes (issue 14, item 7): which routes serve records (protected), which are
// public content or downloads, declared in rule files; what is not declared stays
// protected, and a protected declaration wins over a public tree.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExfilguardError } from '../vocabulary/errors.js';
import { compileRuleSet } from './compile.js';
import { loadRuleSet } from './load.js';
import { compileRouteClasses } from './route-classes.js';
import { SHIPPED_RULES_DIR } from './shipped.js';

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-routes-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('route classes', () => {
  const classify = compileRouteClasses([
    {
      kind: 'routes',
      public: ['/shop/**', '/articles/*'],
      downloads: ['/downloads/**'],
      protected: ['/shop/orders/**'],
    },
  ]);

  it.each([
    ['/shop/items/:id', 'public'],
    ['/articles/:id', 'public'],
    ['/shop/orders/:id', 'protected'],
    ['/downloads/app-:id.dmg', 'download'],
    ['/api/customers/:id', 'protected'],
    ['/articles/:id/comments', 'protected'],
  ])('%s is %s', (route, expected) => {
    expect(classify(route)).toBe(expected);
    // The cached answer is the same.
    expect(classify(route)).toBe(expected);
  });

  it('classes every route protected when nothing is declared', () => {
    expect(compileRouteClasses([])('/blog/:id')).toBe('protected');
  });

  it('ships public content trees and download trees; records routes stay protected', async () => {
    const { routes } = compileRuleSet(await loadRuleSet([SHIPPED_RULES_DIR]));
    expect(routes.classify('/catalogue/:id')).toBe('public');
    expect(routes.classify('/blog/geekery/:id')).toBe('public');
    expect(routes.classify('/downloads/:id')).toBe('download');
    expect(routes.classify('/api/customers/:id')).toBe('protected');
    expect(routes.classify('/api/invoices/:id/pdf')).toBe('protected');
  });

  it("knows the shipped snapshot's crawler networks by address, IPv4 and IPv6", async () => {
    const { routes } = compileRuleSet(await loadRuleSet([SHIPPED_RULES_DIR]));
    expect(routes.crawlers[0]?.snapshot).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(routes.isCrawler('66.249.66.1')).toBe(true);
    expect(routes.isCrawler('2001:4860:4801:10::1')).toBe(true);
    expect(routes.isCrawler('203.0.113.7')).toBe(false);
  });

  it('adds every routes document of the folders to the classes', async () => {
    const dir = await folder({
      'site.yaml': "kind: routes\npublic: ['/shop/**']\nprotected: ['/shop/orders/**']\n",
    });
    const { routes } = compileRuleSet(await loadRuleSet([SHIPPED_RULES_DIR, dir]));
    expect(routes.classify('/shop/:id')).toBe('public');
    expect(routes.classify('/shop/orders/:id')).toBe('protected');
    expect(routes.classify('/catalogue/:id')).toBe('public');
  });

  it('names file, line and key of a bad route glob, a bad CIDR and a bad snapshot day', async () => {
    const dir = await folder({
      'routes.yaml': "kind: routes\npublic: ['shop/**']\n",
      'crawlers.yaml':
        "kind: crawlers\nsnapshot: 'last week'\nnetworks:\n  - name: bot\n    cidrs: ['66.249.64.0/33']\n",
    });
    const error = await loadRuleSet([dir]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExfilguardError);
    const message = (error as Error).message;
    expect(message).toContain(
      `${join(dir, 'routes.yaml')}:2: public.0: a route pattern starts with "/"`,
    );
    expect(message).toContain(`${join(dir, 'crawlers.yaml')}:2: snapshot: give the day`);
    expect(message).toMatch(new RegExp(`crawlers.yaml:5: networks.0.cidrs.0: `));
  });

  it('refuses a rule that names an unknown route class, naming the classes', async () => {
    const dir = await folder({
      'rule.yaml': `id: scan
description: test rule
key: ip
window: 1m
match: { access: [secret] }
detect: { kind: rate, threshold: 10 }
action: { ttl: 10m, severity: high }
`,
    });
    const message = ((await loadRuleSet([dir]).catch((e: unknown) => e)) as Error).message;
    expect(message).toMatch(/rule.yaml:5: match.access.0: .*protected.*public.*download/);
  });
});
