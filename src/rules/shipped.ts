// The rules that ship with exfilguard (the package's `rules/` folder), and the rule
// set a command works with: the shipped rules, then the operator's folders on top
// (their own rules, overrides of shipped ones, allowlists).
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package.js';
import type { DistinctHash } from '../detect/index.js';
import { compileRuleSet, type CompiledRuleSet } from './compile.js';
import { loadRuleSet, type RuleSet } from './load.js';

export const SHIPPED_RULES_DIR = join(PACKAGE_ROOT, 'rules');

export interface RuleSources {
  /** Operator folders or files, applied after the shipped rules. */
  readonly dirs: readonly string[];
  /** False to leave the shipped rules out entirely. */
  readonly shipped: boolean;
  /** The breadth hash keyed by the detector's secret; the built-in key when absent. */
  readonly distinctHash?: DistinctHash;
}

export function ruleFolders(sources: RuleSources): string[] {
  return sources.shipped ? [SHIPPED_RULES_DIR, ...sources.dirs] : [...sources.dirs];
}

export async function loadRules(
  sources: RuleSources,
): Promise<{ ruleSet: RuleSet; compiled: CompiledRuleSet }> {
  const ruleSet = await loadRuleSet(ruleFolders(sources));
  return { ruleSet, compiled: compileRuleSet(ruleSet, sources.distinctHash) };
}
