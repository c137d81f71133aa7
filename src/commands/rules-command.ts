// `exfilguard rules check|test`: validate rule folders; run the tests beside them.
import { parseArgs } from 'node:util';
import { isRuleTestFile, listYamlFiles } from '../rules/load.js';
import { runRuleTestFile } from '../rule-tests/rule-tests.js';
import { loadRules, SHIPPED_RULES_DIR } from '../rules/shipped.js';
import { UsageError, type CommandIo } from './io.js';
import { describeKeySecret, KEY_SECRET_USAGE, keySecretChoice } from './key-secret.js';

export const RULES_USAGE = `Usage: exfilguard rules check [DIR...] [--no-shipped-rules]
       exfilguard rules test  [DIR...] [--no-shipped-rules] [--key-secret-file FILE]

  DIR: operator rule folders, loaded on top of the shipped rules.
  check  validates every rule, override and allowlist, and lists the rules in force.
  test   runs the *.test.yaml files in DIR (the shipped ones when no DIR is given).

${KEY_SECRET_USAGE}`;

export async function rulesCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'no-shipped-rules': { type: 'boolean', default: false },
      'key-secret-file': { type: 'string' },
    },
  });
  const sources = { dirs: positionals, shipped: !values['no-shipped-rules'] };
  if (action === 'check') {
    const { ruleSet } = await loadRules(sources);
    for (const rule of ruleSet.rules) {
      io.stdout(
        `ok  ${rule.id.padEnd(24)} ${rule.detect.kind.padEnd(12)} ${rule.mode.padEnd(8)} key ${rule.key.join(',')}\n`,
      );
    }
    for (const warning of ruleSet.warnings) io.stdout(`warn  ${warning}\n`);
    io.stdout(
      `${ruleSet.rules.length} rules, ${ruleSet.allowlists.length} allowlists, from ${ruleSet.files.length} files\n`,
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
  throw new UsageError(`rules takes "check" or "test", got ${action ? `"${action}"` : 'nothing'}`);
}
