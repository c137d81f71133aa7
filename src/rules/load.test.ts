// Rule loading: every problem named with file, line and key; overrides tune shipped
// rules without forking them; a bad set is refused whole.
import { execFileSync } from 'node:child_process';
import { mkdtemp, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExfilguardError } from '../vocabulary/errors.js';
import { loadRuleSet } from './load.js';
import { SHIPPED_RULES_DIR } from './shipped.js';

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-rules-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function refusal(paths: string[]): Promise<string> {
  const error = await loadRuleSet(paths).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExfilguardError);
  expect((error as ExfilguardError).code).toBe('RULES_INVALID');
  return (error as Error).message;
}

const RULE = `id: scan
description: test rule
key: ip
window: 1m
detect:
  kind: enumeration
  threshold: 10
action:
  ttl: 10m
  severity: high
`;

describe('loadRuleSet', () => {
  it('loads the shipped rules', async () => {
    const set = await loadRuleSet([SHIPPED_RULES_DIR]);
    expect(set.rules.map((r) => r.id)).toContain('sequential-id-scan');
    expect(set.allowlists.length).toBeGreaterThan(0);
  });

  it('names file, line and key of a bad threshold', async () => {
    const dir = await folder({ 'a.yaml': RULE.replace('threshold: 10', 'threshold: ten') });
    const message = await refusal([dir]);
    expect(message).toContain(`${join(dir, 'a.yaml')}:7: detect.threshold:`);
  });

  it('refuses unknown keys, so a typo cannot leave a default in force', async () => {
    const dir = await folder({ 'a.yaml': RULE.replace('  threshold: 10', '  treshold: 10') });
    const message = await refusal([dir]);
    expect(message).toMatch(/a\.yaml:\d+: detect/);
    expect(message).toContain('treshold');
  });

  it('reports a bad duration with what is expected', async () => {
    const dir = await folder({ 'a.yaml': RULE.replace('window: 1m', 'window: soon') });
    expect(await refusal([dir])).toContain('a.yaml:4: window: expected a duration like "30s"');
  });

  it('reports YAML syntax errors with their line', async () => {
    const dir = await folder({ 'a.yaml': `${RULE}---\nid: [unclosed\n` });
    expect(await refusal([dir])).toMatch(/a\.yaml:1\d: YAML:/);
  });

  it('refuses a second definition of a rule id and points at overrides', async () => {
    const dir = await folder({ 'a.yaml': RULE, 'b.yaml': RULE });
    expect(await refusal([dir])).toContain('already defined');
  });

  it('applies an override of threshold, window and mode without touching the rule file', async () => {
    const shipped = await folder({ 'scan.yaml': RULE });
    const local = await folder({
      'tuning.yaml':
        'kind: override\nrule: scan\nmode: shadow\nwindow: 5m\ndetect:\n  threshold: 80\n',
    });
    const set = await loadRuleSet([shipped, local]);
    const rule = set.rules[0]!;
    expect(rule.mode).toBe('shadow');
    expect(rule.window).toBe(300_000);
    expect(rule.detect).toMatchObject({ kind: 'enumeration', threshold: 80, maxGap: 32 });
  });

  it('reports an override mistake at the override, not at the shipped rule', async () => {
    const shipped = await folder({ 'scan.yaml': RULE });
    const local = await folder({
      'tuning.yaml': 'kind: override\nrule: scan\ndetect:\n  threshold: -5\n',
    });
    expect(await refusal([shipped, local])).toContain(
      `${join(local, 'tuning.yaml')}:4: detect.threshold`,
    );
  });

  it('disables a rule by override, and refuses an override of a rule that does not exist', async () => {
    const shipped = await folder({ 'scan.yaml': RULE });
    const off = await folder({ 'off.yaml': 'kind: override\nrule: scan\ndisabled: true\n' });
    expect((await loadRuleSet([shipped, off])).rules).toHaveLength(0);
    const typo = await folder({ 'typo.yaml': 'kind: override\nrule: scna\nmode: shadow\n' });
    expect(await refusal([shipped, typo])).toContain('no rule "scna" to override');
  });

  it('names both files of a second override, and the typo in either, whichever loads first', async () => {
    const shipped = await folder({ 'scan.yaml': RULE });
    const good = 'kind: override\nrule: scan\nwindow: 5m\ndetect:\n  threshold: 80\n';
    const typo = 'kind: override\nrule: scan\ndetect:\n  treshold: 90\n';
    // The new file with the typo sorted before the old one: the old one used to take the blame.
    for (const [typoName, goodName] of [
      ['extra.yaml', 'tune.yaml'],
      ['tune2.yaml', 'tune.yaml'],
    ] as const) {
      const local = await folder({ [goodName]: good, [typoName]: typo });
      const [first, second] = [goodName, typoName].sort().map((name) => join(local, name)) as [
        string,
        string,
      ];
      const message = await refusal([shipped, local]);
      expect(message).toContain(
        `${second}:2: rule: a second override of "scan" (the first is in ${first}:2); merge them into one`,
      );
      expect(message).toContain(`${join(local, typoName)}:4: detect: Unrecognized key: "treshold"`);
    }
  });

  it('reports a bad value in each override of a rule, and a problem of the rule once', async () => {
    const shipped = await folder({ 'scan.yaml': RULE.replace('severity: high', 'severity: dire') });
    const local = await folder({
      'a.yaml': 'kind: override\nrule: scan\ndetect:\n  threshold: lots\n',
      'b.yaml': 'kind: override\nrule: scan\nwindow: soon\n',
    });
    const message = await refusal([shipped, local]);
    expect(message).toContain(`${join(local, 'a.yaml')}:4: detect.threshold:`);
    expect(message).toContain(`${join(local, 'b.yaml')}:3: window: expected a duration`);
    expect(message.match(/action\.severity/g)).toHaveLength(1);
  });

  it('records which override file set which fields of which rule', async () => {
    const shipped = await folder({ 'scan.yaml': RULE });
    const local = await folder({
      'tune.yaml':
        'kind: override\nrule: scan\nwindow: 5m\nmatch:\n  methods: [GET]\ndetect:\n  threshold: 80\n',
    });
    const set = await loadRuleSet([shipped, local]);
    expect(set.overrides).toEqual([
      {
        rule: 'scan',
        file: join(local, 'tune.yaml'),
        at: `${join(local, 'tune.yaml')}:2`,
        fields: ['window', 'match.methods', 'detect.threshold'],
        disabled: false,
      },
    ]);
  });

  it('validates allowlist CIDRs', async () => {
    const dir = await folder({ 'allow.yaml': 'kind: allowlist\nips: [10.0.0.0/8, 10.0.0.1/8]\n' });
    expect(await refusal([dir])).toMatch(/allow\.yaml:2: ips\.1: .*10\.0\.0\.1\/8/);
  });

  it('ignores prototype keys in overrides', async () => {
    const shipped = await folder({ 'scan.yaml': RULE });
    const local = await folder({
      'o.yaml': 'kind: override\nrule: scan\ndetect:\n  __proto__:\n    polluted: 1\n',
    });
    const set = await loadRuleSet([shipped, local]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(set.rules).toHaveLength(1);
  });
});

describe('loadRuleSet and hostile rule files', () => {
  const BOMB = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
    .concat(
      [...'bcdefghi'].map(
        (name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`,
      ),
    )
    .join('\n');

  it('refuses a YAML alias bomb with file, line and what to do', async () => {
    const dir = await folder({ 'bomb.yaml': `${BOMB}\n` });
    expect(await refusal([dir])).toContain(
      `${join(dir, 'bomb.yaml')}:1: YAML: aliases expand too far (more than 50; an alias bomb?)`,
    );
  });

  it('refuses a 700 MB file from its size, without reading it', async () => {
    const dir = await folder({});
    const file = join(dir, 'huge.yaml');
    await writeFile(file, '');
    await truncate(file, 700 * 2 ** 20); // sparse: costs no disk
    const began = performance.now();
    expect(await refusal([dir])).toContain(`${file}: larger than 1048576 bytes; split it`);
    expect(performance.now() - began).toBeLessThan(1000);
  });

  it('refuses a FIFO named x.yaml at once, in a folder or named itself', async () => {
    const dir = await folder({});
    const fifo = join(dir, 'x.yaml');
    execFileSync('mkfifo', [fifo]);
    for (const path of [dir, fifo]) {
      expect(await refusal([path])).toContain(`${fifo}: not a regular file (a FIFO`);
    }
  }, 2000);

  it('warns of rules that can never fire, at the line of the key', async () => {
    const breadth = RULE.replace('kind: enumeration', 'kind: breadth\n  of: objects').replace(
      'threshold: 10',
      'threshold: 50000',
    );
    const errors = RULE.replace('id: scan', 'id: errors')
      .replace('window: 1m', 'window: 1m\nmatch:\n  status: [200]\n  excludeRoutes: [/**]')
      .replace(
        'kind: enumeration\n  threshold: 10',
        'kind: errorRatio\n  ratio: 0.5\n  minRequests: 5',
      );
    const dir = await folder({ 'a.yaml': `${breadth}---\n${errors}` });
    const { warnings, rules } = await loadRuleSet([dir]);
    const file = join(dir, 'a.yaml');
    expect(rules).toHaveLength(2);
    expect(warnings).toEqual([
      `${file}:8: detect.threshold: 50000 distinct objects can never be counted: the 4096-bit bitmap estimates at most 34070; lower the threshold to 34070 or less`,
      `${file}:21: detect.statuses: no status in ["4xx","5xx"] is matched by match.status [200], so the ratio is always 0; widen match.status`,
      `${file}:19: match.excludeRoutes.0: "/**" excludes every route, so no event counts; remove it`,
    ]);
    expect((await loadRuleSet([SHIPPED_RULES_DIR])).warnings).toEqual([]);
  });

  it('refuses an allowlist of everyone unless confirmed, then warns', async () => {
    const wide =
      'kind: allowlist\nips: [10.0.0.0/8, 0.0.0.0/0, "::/0", 4.0.0.0/7, "fc00::/7"]\nroutes: [/**]\n';
    const message = await refusal([await folder({ 'allow.yaml': wide })]);
    for (const entry of [
      'ips.1: "0.0.0.0/0" allowlists all IPv4',
      'ips.2: "::/0" allowlists all IPv6',
      'ips.3: "4.0.0.0/7" allowlists 1/128',
      'routes.0: "/**" allowlists every route',
    ]) {
      expect(message).toContain(entry);
    }
    expect(message).toContain('add "confirm: allow-everyone" to this allowlist');
    expect(message).not.toContain('10.0.0.0/8');
    expect(message).not.toContain('fc00::/7'); // unique local IPv6, the private range
    const confirmed = await loadRuleSet([
      await folder({ 'allow.yaml': `${wide}confirm: allow-everyone\n` }),
    ]);
    expect(confirmed.allowlists).toHaveLength(1);
    expect(confirmed.warnings).toHaveLength(4);
    expect(confirmed.warnings[0]).toMatch(
      /allow\.yaml:2: ips\.1: .*\(confirmed by "confirm: allow-everyone"\)$/,
    );
  });
});
