// `exfilguard rules suggest FILE…`: thresholds drawn from the site's own logs. The report
// (stdout) gives per rule the distribution of actors' peak figures, the lockouts each
// candidate threshold would have made and the suggestion; `--out FILE` writes the
// suggestion as an override file (one override per rule, merged with the operator's).
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { EventFormat } from '../event/index.js';
import { compileRuleSet } from '../rules/compile.js';
import { loadRuleSet, type RuleSet } from '../rules/load.js';
import { readDocuments } from '../rules/rule-file.js';
import { loadRules, SHIPPED_RULES_DIR } from '../rules/shipped.js';
import { formatSummary, progressBar } from '../replay/report.js';
import {
  formatSuggestReport,
  marginRule,
  overridesYaml,
  type ExistingOverride,
} from '../replay/suggest-report.js';
import { DEFAULT_MAX_ACTORS, suggest } from '../replay/suggest.js';
import { tunedFigures, type RuleFigures } from '../replay/tuned-figures.js';
import { UsageError, type CommandIo } from './io.js';
import { eventFormatOption, reorderOption, RULES_AND_LOG_OPTIONS } from './log-input.js';
import { describeKeySecret, KEY_SECRET_USAGE, keySecretChoice } from './key-secret.js';

export const SUGGEST_USAGE = `Usage: exfilguard rules suggest [options] FILE...   (FILE may be "-" for stdin, or end in .gz)

  Replays the logs with every rule's thresholds out of the way and prints, per rule and
  threshold field, the distribution of actors' peak figures (p50, p99, p99.9, max), how
  many actors each candidate threshold would have locked, and a suggested threshold.

  --rules DIR          operator rules, overrides and allowlists, on top of the shipped rules (repeatable)
  --no-shipped-rules   leave the shipped rules out
  --format FORMAT      auto (default), json (canonical or ECS) or combined (nginx/Apache)
  --reorder DURATION   how far out of order events may arrive (default 2m)
  --margin FACTOR      suggested = p99.9 of the actors that no rule in force locks × FACTOR
                       (default 1.5, at least 1)
  --allow-lower        let a suggestion go below the shipped value (never, by default)
  --max-actors N       actor peaks kept at most (default ${DEFAULT_MAX_ACTORS}, ~150 bytes each)
  --json               the report as one JSON object (per rule and field: distribution, suggestion, candidates)
  --out FILE           write the suggestion as an override file (one override per rule, merged
                       with yours of the same rule: it replaces yours); check it with
                       "exfilguard rules check DIR"
${KEY_SECRET_USAGE}`;

interface SuggestArgs {
  readonly files: readonly string[];
  readonly rulesDirs: readonly string[];
  readonly shippedRules: boolean;
  readonly format: EventFormat;
  readonly reorderMs: number;
  readonly margin: number;
  readonly allowLower: boolean;
  readonly maxActors: number;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly keySecretFile: string | undefined;
}

export function parseSuggestArgs(argv: readonly string[]): SuggestArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...RULES_AND_LOG_OPTIONS,
      margin: { type: 'string', default: '1.5' },
      'allow-lower': { type: 'boolean', default: false },
      'max-actors': { type: 'string', default: String(DEFAULT_MAX_ACTORS) },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      'key-secret-file': { type: 'string' },
    },
  });
  if (positionals.length === 0)
    throw new UsageError('rules suggest needs at least one FILE (or "-" for stdin)');
  const format = eventFormatOption(values.format);
  const reorderMs = reorderOption(values.reorder);
  const margin = Number(values.margin);
  if (!(Number.isFinite(margin) && margin >= 1 && margin <= 100))
    throw new UsageError(`--margin takes a factor from 1 to 100, e.g. 1.5, got "${values.margin}"`);
  const maxActors = Number(values['max-actors']);
  if (!Number.isSafeInteger(maxActors) || maxActors < 1000)
    throw new UsageError(
      `--max-actors takes a whole number of at least 1000, got "${values['max-actors']}"`,
    );
  return {
    files: positionals,
    rulesDirs: values.rules,
    shippedRules: !values['no-shipped-rules'],
    format,
    reorderMs,
    margin,
    allowLower: values['allow-lower'],
    maxActors,
    out: values.out,
    json: values.json,
    keySecretFile: values['key-secret-file'],
  };
}

export async function rulesSuggestCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseSuggestArgs(argv);
  const { files, margin, allowLower } = args;
  const key = await keySecretChoice(args.keySecretFile);
  const { ruleSet, compiled } = await loadRules({
    dirs: args.rulesDirs,
    shipped: args.shippedRules,
    distinctHash: key.distinctHash,
  });
  const result = await suggest(
    {
      inputs: files,
      rules: compiled,
      format: args.format,
      reorderMs: args.reorderMs,
      shipped: args.shippedRules ? await shippedFigures() : new Map(),
      margin,
      allowLower,
      maxActors: args.maxActors,
    },
    io.stderrIsTty ? (fraction) => io.stderr(progressBar(fraction)) : undefined,
  );
  if (io.stderrIsTty) io.stderr(`${progressBar(1)}\n`);
  io.stdout(
    args.json
      ? `${JSON.stringify({ margin: marginRule(margin, allowLower), rules: result.rules })}\n`
      : formatSuggestReport(result, margin, allowLower),
  );
  if (args.out !== undefined) {
    const source = `${result.replay.events} events of ${files.map((p) => basename(p)).join(', ')}`;
    const existing = await existingOverrides(ruleSet);
    await writeFile(args.out, overridesYaml(result, existing, { margin, allowLower, source }));
    io.stderr(`overrides written to ${args.out}\n`);
  }
  io.stderr(`${formatSummary(result.replay)}${describeKeySecret(key)}\n`);
  return 0;
}

/** The shipped rules' values of each field, by rule: a suggestion's floor. */
async function shippedFigures(): Promise<Map<string, RuleFigures>> {
  const shipped = compileRuleSet(await loadRuleSet([SHIPPED_RULES_DIR]));
  return new Map(shipped.rules.map((rule) => [rule.rule.id, tunedFigures(rule)]));
}

/** The operator's override of each rule in force, read again from its file. */
async function existingOverrides(ruleSet: RuleSet): Promise<Map<string, ExistingOverride>> {
  const found = new Map<string, ExistingOverride>();
  // One read per file, however many of its overrides are in force.
  const files = new Map<string, ReturnType<typeof readDocuments>>();
  for (const applied of ruleSet.overrides) {
    if (applied.disabled) continue;
    let read = files.get(applied.file);
    if (read === undefined) {
      read = readDocuments(applied.file, []);
      files.set(applied.file, read);
    }
    const documents = await read;
    const own = documents.find((d) => {
      const raw = d.raw as { kind?: unknown; rule?: unknown } | null;
      return raw?.kind === 'override' && raw.rule === applied.rule;
    });
    if (own) found.set(applied.rule, { at: applied.at, raw: own.raw as Record<string, unknown> });
  }
  return found;
}
