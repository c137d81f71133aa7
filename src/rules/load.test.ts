// Rule loading: every problem named with file, line and key; overrides tune shipped
// rules without forking them; a bad set is refused whole.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExfilguardError } from '../errors.js';
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
