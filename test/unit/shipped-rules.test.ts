// Every shipped rule has tests beside it, and they pass: the same runner as
// `exfilguard rules test`. And every rule fires in one of them: some case that
// passes expects its lockout (a passing case gets exactly the lockouts it expects).
import { describe, expect, it } from 'vitest';
import { isRuleTestFile, listYamlFiles } from '../../src/rules/load.js';
import { runRuleTestFile, type RuleTestResult } from '../../src/rule-tests/rule-tests.js';
import { loadRules, SHIPPED_RULES_DIR } from '../../src/rules/shipped.js';

const { ruleSet, compiled } = await loadRules({ dirs: [], shipped: true });
const testFiles = await listYamlFiles(SHIPPED_RULES_DIR, isRuleTestFile);
const resultsByFile = new Map<string, RuleTestResult[]>();
for (const file of testFiles) resultsByFile.set(file, await runRuleTestFile(file, compiled));

/** Rule id → names of the passing cases that expect one of its lockouts. */
function firingCases(results: readonly RuleTestResult[]): Map<string, string[]> {
  const cases = new Map<string, string[]>();
  for (const result of results.filter((r) => r.passed)) {
    for (const rule of new Set(result.expected.map((lockout) => lockout.rule)))
      cases.set(rule, [...(cases.get(rule) ?? []), result.name]);
  }
  return cases;
}

describe('shipped rule tests', () => {
  it.each(testFiles)('%s passes', (file) => {
    const results = resultsByFile.get(file)!;
    expect(results.length).toBeGreaterThan(0);
    expect(results.filter((r) => !r.passed)).toEqual([]);
  });

  it('every shipped rule fires in at least one passing test', () => {
    const cases = firingCases([...resultsByFile.values()].flat());
    const ids = ruleSet.rules.map((r) => r.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((id) => !cases.has(id))).toEqual([]);
  });
});
