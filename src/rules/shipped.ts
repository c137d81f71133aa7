// The rules that ship with exfilguard (the package's `rules/` folder), and the rule
// set a command works with: the shipped rules, then the operator's folders on top
// (their own rules, overrides of shipped ones, allowlists).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileRuleSet, type CompiledRuleSet } from './compile.js';
import { loadRuleSet, type RuleSet } from './load.js';

function findPackageRoot(): string {
  // Works from src/ (tsx, tests) and from dist/src/ (the built package) alike.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'rules'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('exfilguard: cannot find the shipped rules/ folder');
    dir = parent;
  }
  return dir;
}

export const SHIPPED_RULES_DIR = join(findPackageRoot(), 'rules');

export interface RuleSources {
  /** Operator folders or files, applied after the shipped rules. */
  readonly dirs: readonly string[];
  /** False to leave the shipped rules out entirely. */
  readonly shipped: boolean;
}

export function ruleFolders(sources: RuleSources): string[] {
  return sources.shipped ? [SHIPPED_RULES_DIR, ...sources.dirs] : [...sources.dirs];
}

export async function loadRules(
  sources: RuleSources,
): Promise<{ ruleSet: RuleSet; compiled: CompiledRuleSet }> {
  const ruleSet = await loadRuleSet(ruleFolders(sources));
  return { ruleSet, compiled: compileRuleSet(ruleSet) };
}
