// `exfilguard rules show`: the rules in force after overrides, with the file that
// changed each, as YAML or JSON; allowlisted addresses and users counted, not shown.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../support/cli.js';

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-show-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const TUNING = {
  'tune.yaml': 'kind: override\nrule: sequential-id-scan\nwindow: 15m\ndetect:\n  threshold: 80\n',
  'off.yaml': 'kind: override\nrule: session-flood\ndisabled: true\n',
  'office.yaml':
    'kind: allowlist\nips: [192.0.2.0/24, 198.51.100.7]\nusers: [alice]\nroutes: [/internal/**]\n',
};

describe('exfilguard rules show', () => {
  it('prints the effective threshold and window after an override, and the file that set them', async () => {
    const dir = await folder(TUNING);
    const { code, stdout } = await runCli(['rules', 'show', dir]);
    expect(code).toBe(0);
    const scan = stdout.split('---\n').find((doc) => doc.includes('id: sequential-id-scan\n'));
    expect(scan).toContain(
      `# overridden by ${join(dir, 'tune.yaml')}:2: window, detect.threshold\n`,
    );
    expect(parse(scan!)).toMatchObject({
      mode: 'enforce',
      key: ['ip', 'session', 'user'],
      window: '15m',
      detect: { kind: 'enumeration', threshold: 80, maxGap: 32 },
      action: { ttl: '1h', severity: 'high', escalation: { factor: 4, maxTtl: '7d' } },
    });
    expect(stdout).toContain('# not overridden\nid: slow-id-scan\n');
    expect(stdout).toContain(`# rule session-flood is disabled by ${join(dir, 'off.yaml')}:2`);
    expect(stdout).toContain('routes: [/internal/**]');
    // Allowlisted addresses and users are personal data: counted, never printed.
    expect(stdout).not.toContain('192.0.2');
    expect(stdout).not.toContain('alice');
  });

  it('prints JSON with --json, and one rule with --rule', async () => {
    const dir = await folder(TUNING);
    const { code, stdout } = await runCli([
      'rules',
      'show',
      dir,
      '--rule',
      'sequential-id-scan',
      '--json',
    ]);
    expect(code).toBe(0);
    const shown = JSON.parse(stdout) as {
      rules: { id: string; window: number; detect: { threshold: number }; overriddenBy: unknown }[];
      disabled: unknown[];
      allowlists: { file: string; counts: object; routes: string[] }[];
    };
    expect(shown.rules).toHaveLength(1);
    expect(shown.rules[0]).toMatchObject({
      id: 'sequential-id-scan',
      window: 900_000,
      detect: { threshold: 80 },
      overriddenBy: [{ at: `${join(dir, 'tune.yaml')}:2`, fields: ['window', 'detect.threshold'] }],
    });
    expect(shown.disabled).toEqual([]);
    expect(shown.allowlists).toContainEqual({
      file: join(dir, 'office.yaml'),
      counts: { ips: 2, users: 1, sessions: 0 },
      routes: ['/internal/**'],
    });
  });

  it('shows the route classes of every routes document and the crawler snapshots, ranges counted', async () => {
    const dir = await folder({
      'shop.yaml':
        "kind: routes\npublic: ['/api/products/**']\nprotected: ['/api/products/*/orders']\n",
    });
    const { code, stdout } = await runCli(['rules', 'show', dir, '--json']);
    expect(code).toBe(0);
    const shown = JSON.parse(stdout) as {
      routes: { file: string; public: string[]; protected: string[] }[];
      crawlers: { snapshot: string; networks: { name: string; cidrs: number }[] }[];
    };
    expect(shown.routes).toContainEqual({
      file: join(dir, 'shop.yaml'),
      public: ['/api/products/**'],
      downloads: [],
      protected: ['/api/products/*/orders'],
    });
    expect(shown.routes.some((r) => r.public.includes('/blog/**'))).toBe(true);
    expect(shown.crawlers[0]!.snapshot).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(shown.crawlers[0]!.networks[0]).toMatchObject({ name: 'googlebot' });
    expect(shown.crawlers[0]!.networks[0]!.cidrs).toBeGreaterThan(100);
    const yaml = (await runCli(['rules', 'show', dir])).stdout;
    expect(yaml).toContain('# route classes:');
    expect(yaml).toContain('# crawler networks');
  });

  it('refuses an unknown --rule as a usage error, naming the rules there are', async () => {
    const { code, stderr } = await runCli(['rules', 'show', '--rule', 'sequential-id-scna']);
    expect(code).toBe(2);
    expect(stderr).toContain('--rule: no rule "sequential-id-scna"; the rules are object-breadth');
  });

  it('check prints each rule window and threshold, after overrides', async () => {
    const dir = await folder(TUNING);
    const { code, stdout } = await runCli(['rules', 'check', dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/ok {2}sequential-id-scan .* window 15m, threshold 80\n/);
    expect(stdout).toMatch(/ok {2}bulk-export .* window 15m, bytes 20MB, records 5000\n/);
  });
});
