// `exfilguard rules check|show|test`: validate rule folders; show the rules in force
// after overrides; run the tests beside them.
import { parseArgs } from 'node:util';
import { fireSummary } from '../rules/effective.js';
import { isRuleTestFile, listYamlFiles, type RuleSet } from '../rules/load.js';
import { runRuleTestFile } from '../rule-tests/rule-tests.js';
import { loadRules, SHIPPED_RULES_DIR } from '../rules/shipped.js';
import { UsageError, type CommandIo } from './io.js';
import { describeKeySecret, KEY_SECRET_USAGE, keySecretChoice } from './key-secret.js';
import { effectiveRules, effectiveRulesYaml } from './rules-show.js';
import { rulesSuggestCommand, SUGGEST_USAGE } from './rules-suggest.js';

export const RULES_USAGE = `Usage: exfilguard rules check [DIR...] [--no-shipped-rules]
       exfilguard rules show  [DIR...] [--no-shipped-rules] [--rule ID]... [--json]
       exfilguard rules test  [DIR...] [--no-shipped-rules] [--key-secret-file FILE]
       exfilguard rules suggest [options] FILE...   (options below)

  DIR: operator rule folders, loaded on top of the shipped rules.
  check  validates every rule, override and allowlist, and lists the rules in force
         with their window and threshold.
  show   prints the rules in force after overrides, every field, each with the override
         files that changed it, and the allowlists (addresses, users, sessions counted).
         YAML as rule files write it; --json as loaded (milliseconds, bytes).
         --rule ID shows only that rule (repeatable).
  test   runs the *.test.yaml files in DIR (the shipped ones when no DIR is given).
  suggest  thresholds from your own logs: per rule, actors' peak figures, the lockouts
         each candidate threshold would have made, and an override file.

${KEY_SECRET_USAGE}
${SUGGEST_USAGE}`;

export async function rulesCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [action, ...rest] = argv;
  // Its arguments are log files, not rule folders: options of its own.
  if (action === 'suggest') return rulesSuggestCommand(rest, io);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'no-shipped-rules': { type: 'boolean', default: false },
      'key-secret-file': { type: 'string' },
      rule: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  const sources = { dirs: positionals, shipped: !values['no-shipped-rules'] };
  if (action === 'check') {
    const { ruleSet } = await loadRules(sources);
    for (const rule of ruleSet.rules) {
      io.stdout(
        `ok  ${rule.id.padEnd(24)} ${rule.detect.kind.padEnd(12)} ${rule.mode.padEnd(8)} ` +
          `key ${rule.key.join(',')}; ${fireSummary(rule)}\n`,
      );
    }
    for (const warning of ruleSet.warnings) io.stdout(`warn  ${warning}\n`);
    io.stdout(
      `${ruleSet.rules.length} rules, ${ruleSet.allowlists.length} allowlists, from ${ruleSet.files.length} files\n`,
    );
    return 0;
  }
  if (action === 'show') {
    const { ruleSet } = await loadRules(sources);
    const effective = effectiveRules(ruleSet, chosenRules(ruleSet, values.rule));
    io.stdout(
      values.json ? `${JSON.stringify(effective, null, 2)}\n` : effectiveRulesYaml(effective),
    );
    return 0;
  }
  if (action === 'test') {
    const key = await keySecretChoice(values['key-secret-file']);
    const { compiled } = await loadRules({ ...sources, distinctHash: key.distinctHash });
    const testDirs = positionals.length > 0 ? positionals : [SHIPPED_RULES_DIR];
    const files = (
      await Promise.all(testDirs.map((dir) => listYamlFiles(dir, isRuleTestFile)))
    ).flat();
    let failed = 0;
    let passed = 0;
    for (const file of files) {
      for (const result of await runRuleTestFile(file, compiled)) {
        if (result.passed) passed += 1;
        else failed += 1;
        io.stdout(`${result.passed ? 'PASS' : 'FAIL'}  ${file}: ${result.name}\n`);
        for (const problem of result.problems) io.stdout(`        ${problem}\n`);
      }
    }
    io.stdout(`rules test: ${passed} passed, ${failed} failed (${describeKeySecret(key)})\n`);
    return failed > 0 || passed === 0 ? 1 : 0;
  }
  throw new UsageError(
    `rules takes "check", "show", "test" or "suggest", got ${action ? `"${action}"` : 'nothing'}`,
  );
}

/** The ids of --rule, each a rule in force or one an override disabled; none: all. */
function chosenRules(
  ruleSet: RuleSet,
  ids: readonly string[] | undefined,
): Set<string> | undefined {
  if (!ids || ids.length === 0) return undefined;
  const known = new Set([
    ...ruleSet.rules.map((rule) => rule.id),
    ...ruleSet.overrides.filter((o) => o.disabled).map((o) => o.rule),
  ]);
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `--rule: no rule ${unknown.map((id) => `"${id}"`).join(', ')}; the rules are ${[...known].join(', ')}`,
    );
  }
  return new Set(ids);
}
