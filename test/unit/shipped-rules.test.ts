// Every shipped rule has tests beside it, and they pass: the same runner as
// `exfilguard rules test`.
import { describe, expect, it } from 'vitest';
import { isRuleTestFile, listYamlFiles } from '../../src/rules/load.js';
import { runRuleTestFile } from '../../src/rules/rule-tests.js';
import { loadRules, SHIPPED_RULES_DIR } from '../../src/rules/shipped.js';

const { ruleSet, compiled } = await loadRules({ dirs: [], shipped: true });
const testFiles = await listYamlFiles(SHIPPED_RULES_DIR, isRuleTestFile);

describe('shipped rule tests', () => {
  it.each(testFiles)('%s passes', async (file) => {
    const results = await runRuleTestFile(file, compiled);
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => !r.passed)).toEqual([]);
  });

  it('every shipped rule fires in at least one test', async () => {
    const fired = new Set<string>();
    for (const file of testFiles) {
      const text = await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8'));
      for (const rule of ruleSet.rules) if (text.includes(`rule: ${rule.id}`)) fired.add(rule.id);
    }
    expect(ruleSet.rules.map((r) => r.id).filter((id) => !fired.has(id))).toEqual([]);
  });
});
