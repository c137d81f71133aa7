// Reads rule folders: every *.yaml / *.yml file except rule tests (*.test.yaml),
// every document in it. Validates everything, applies operators' overrides, and
// either returns the whole rule set or refuses it with every problem named as
// `file:line: key: problem` — so a reload never half-applies a bad edit.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Document } from 'yaml';
import type { z } from 'zod';
import { ExfilguardError } from '../vocabulary/errors.js';
import {
  allowlistSchema,
  crawlersSchema,
  overrideSchema,
  routesSchema,
  ruleSchema,
  type Allowlist,
  type Crawlers,
  type RouteClasses,
  type Rule,
  type RuleOverride,
} from './schema.js';
import { ALLOW_EVERYONE, allowsEveryone, neverFires } from './reach.js';
import { readDocuments, type SourceDocument } from './rule-file.js';

/** An allowlist and the file it was read from. */
export type SourcedAllowlist = Allowlist & { readonly file?: string };
/** A `routes` document and its file: every such document adds to the classes. */
export type SourcedRouteClasses = RouteClasses & { readonly file?: string };
/** A `crawlers` document (a dated snapshot of crawler networks) and its file. */
export type SourcedCrawlers = Crawlers & { readonly file?: string };

/** An override applied to a rule: where it is and what it set, for `rules show`. */
export interface AppliedOverride {
  readonly rule: string;
  readonly file: string;
  /** `file:line` of its `rule:` key. */
  readonly at: string;
  /** The fields it set, as dotted paths (`window`, `detect.threshold`); lists are one field. */
  readonly fields: readonly string[];
  readonly disabled: boolean;
}

export interface RuleSet {
  readonly rules: readonly Rule[];
  /** With the file each came from: a release by the rule loader names it. */
  readonly allowlists: readonly SourcedAllowlist[];
  /** Which routes are public, downloads or protected records (undeclared: protected). */
  readonly routes: readonly SourcedRouteClasses[];
  /** Crawler networks: their traffic on public routes counts for no rule. */
  readonly crawlers: readonly SourcedCrawlers[];
  /** The files read, for logs and `rules check`. */
  readonly files: readonly string[];
  /** `file:line: key: problem` of what loads but does nothing: rules that can never fire. */
  readonly warnings: readonly string[];
  /** The overrides applied, in load order: which file changed which rule's fields. */
  readonly overrides: readonly AppliedOverride[];
}

export function isRuleFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name);
}

export function isRuleTestFile(name: string): boolean {
  return /\.test\.ya?ml$/.test(name);
}

/** The YAML files of a folder (sorted, so load order is stable) or the file itself. */
export async function listYamlFiles(
  path: string,
  accept: (name: string) => boolean,
): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) {
    throw new ExfilguardError('RULES_NOT_FOUND', `${path}: no such rules folder or file`);
  }
  // Anything but a folder is read as a file, where a FIFO or device is refused.
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter(accept).sort();
  return names.map((name) => join(path, name));
}

export async function loadRuleSet(paths: readonly string[]): Promise<RuleSet> {
  const files = (await Promise.all(paths.map((p) => listYamlFiles(p, isRuleFile)))).flat();
  const problems: string[] = [];
  const warnings: string[] = [];
  const documents = (await Promise.all(files.map((file) => readDocuments(file, problems)))).flat();

  const ruleDocs: SourceDocument[] = [];
  const overrides = new Map<string, SourcedOverride[]>();
  const allowlists: SourcedAllowlist[] = [];
  const routes: SourcedRouteClasses[] = [];
  const crawlers: SourcedCrawlers[] = [];
  for (const source of documents) {
    const kind = kindOf(source.raw);
    if (kind === 'override') {
      const override = validate(source, overrideSchema, problems);
      if (!override) continue;
      const earlier = overrides.get(override.rule) ?? [];
      // Named at the later file and pointing at the first: the new one is the likelier
      // culprit, and the operator has to find both to merge them.
      if (earlier[0]) {
        problems.push(
          `${where(source, ['rule'])}: rule: a second override of "${override.rule}" ` +
            `(the first is in ${where(earlier[0].source, ['rule'])}); merge them into one`,
        );
      }
      overrides.set(override.rule, [...earlier, { source, override }]);
    } else if (kind === 'allowlist') {
      const allowlist = validate(source, allowlistSchema, problems);
      if (!allowlist) continue;
      allowlists.push({ ...allowlist, file: source.file });
      const confirmed = allowlist.confirm === ALLOW_EVERYONE;
      const tail = confirmed
        ? ' (confirmed by "confirm: allow-everyone")'
        : '; narrow it, or add "confirm: allow-everyone" to this allowlist if it is meant';
      report(allowsEveryone(allowlist), source, undefined, confirmed ? warnings : problems, tail);
    } else if (kind === 'routes') {
      const classes = validate(source, routesSchema, problems);
      if (classes) routes.push({ ...classes, file: source.file });
    } else if (kind === 'crawlers') {
      const snapshot = validate(source, crawlersSchema, problems);
      if (snapshot) crawlers.push({ ...snapshot, file: source.file });
    } else {
      ruleDocs.push(source);
    }
  }

  const applied = appliedOverrides(ruleDocs, overrides);
  const rules = buildRules(ruleDocs, overrides, problems, warnings);
  if (problems.length > 0) {
    // A problem of a rule itself is found once per override of it: said once.
    const distinct = [...new Set(problems)];
    throw new ExfilguardError(
      'RULES_INVALID',
      `Rules refused, ${distinct.length} problem(s):\n  ${distinct.join('\n  ')}`,
    );
  }
  return { rules, allowlists, routes, crawlers, files, warnings, overrides: applied };
}

interface SourcedOverride {
  readonly source: SourceDocument;
  readonly override: RuleOverride;
}

/** The overrides that meet a rule, with the fields each sets, in load order. */
function appliedOverrides(
  ruleDocs: readonly SourceDocument[],
  overrides: ReadonlyMap<string, readonly SourcedOverride[]>,
): AppliedOverride[] {
  const ids = new Set(ruleDocs.map((source) => idOf(source.raw)));
  return [...overrides.entries()]
    .filter(([id]) => ids.has(id))
    .flatMap(([, list]) => list)
    .map(({ source, override }) => ({
      rule: override.rule,
      file: source.file,
      at: where(source, ['rule']),
      fields: leafPaths(tuningOf(source.raw)),
      disabled: override.disabled === true,
    }));
}

function buildRules(
  ruleDocs: readonly SourceDocument[],
  overrides: Map<string, SourcedOverride[]>,
  problems: string[],
  warnings: string[],
): Rule[] {
  const rules: Rule[] = [];
  const seen = new Map<string, string>();
  for (const source of ruleDocs) {
    const id = idOf(source.raw);
    const found = (id === undefined ? undefined : overrides.get(id)) ?? [];
    if (id !== undefined) overrides.delete(id);
    // Each override is checked against the rule on its own, so a typo in any of them is
    // named even when a second override already refuses the set.
    const [first, ...more] = found;
    for (const extra of more) {
      if (!extra.override.disabled) validateMerged(source, extra.source, problems);
    }
    if (first?.override.disabled) continue;
    const rule = first
      ? validateMerged(source, first.source, problems)
      : validate(source, ruleSchema, problems);
    if (!rule || more.length > 0) continue;
    const earlier = seen.get(rule.id);
    if (earlier) {
      problems.push(
        `${where(source, ['id'])}: id: "${rule.id}" is already defined in ${earlier}; ` +
          'tune a shipped rule with an override document instead of redefining it',
      );
      continue;
    }
    seen.set(rule.id, source.file);
    rules.push(rule);
    report(neverFires(rule), source, first?.source, warnings, '');
  }
  for (const { source, override } of [...overrides.values()].flat()) {
    problems.push(`${where(source, ['rule'])}: rule: no rule "${override.rule}" to override`);
  }
  return rules;
}

/** The rule with one override laid over it, validated; problems at the override's lines. */
function validateMerged(
  rule: SourceDocument,
  override: SourceDocument,
  problems: string[],
): Rule | undefined {
  return validate(rule, ruleSchema, problems, mergeOverride(rule.raw, override.raw), override);
}

function kindOf(raw: unknown): unknown {
  return typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
}

function idOf(raw: unknown): string | undefined {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Validates `raw` (by default the document itself). Issues on keys that the override
 * set are reported at the override's line, the others at the rule's.
 */
function validate<S extends z.ZodType>(
  source: SourceDocument,
  schema: S,
  problems: string[],
  raw: unknown = source.raw,
  override?: SourceDocument,
): z.output<S> | undefined {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  report(result.error.issues, source, override, problems, '');
  return undefined;
}

/**
 * `file:line: key: message` of each finding into `into`. Keys that the override set are
 * placed at the override's line, the others at the rule's.
 */
function report(
  findings: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
  source: SourceDocument,
  override: SourceDocument | undefined,
  into: string[],
  tail: string,
): void {
  for (const finding of findings) {
    const path = finding.path.map(String);
    const at = override && hasPath(override.doc, path) ? override : source;
    const key = path.length > 0 ? path.join('.') : '(document)';
    into.push(`${where(at, path)}: ${key}: ${finding.message}${tail}`);
  }
}

function hasPath(doc: Document, path: readonly string[]): boolean {
  return path.length > 0 && doc.hasIn(path);
}

/** `file:line` of the deepest node of `path` that exists in the document. */
function where(source: SourceDocument, path: readonly string[]): string {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = depth === 0 ? source.doc.contents : source.doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return `${source.file}:${source.lines.linePos(range[0]).line}`;
  }
  return source.file;
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The rule with the override's keys laid over it; nested objects merge, lists are replaced. */
function mergeOverride(rule: unknown, override: unknown): unknown {
  return isPlainObject(override) ? deepMerge(rule, tuningOf(override)) : rule;
}

/** The keys of an override that tune its rule (all but kind, rule, disabled). */
function tuningOf(override: unknown): Record<string, unknown> {
  if (!isPlainObject(override)) return {};
  const { kind: _kind, rule: _rule, disabled: _disabled, ...tuning } = override;
  return tuning;
}

/** `detect.threshold`-style paths of the values in an object; a list is one value. */
function leafPaths(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) =>
    isPlainObject(inner) ? leafPaths(inner, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

function deepMerge(base: unknown, layer: Record<string, unknown>): unknown {
  if (!isPlainObject(base)) return layer;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (UNSAFE_KEYS.has(key)) continue;
    merged[key] = isPlainObject(value) ? deepMerge(base[key], value) : value;
  }
  return merged;
}
