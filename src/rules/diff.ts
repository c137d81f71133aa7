// What a reload changed, one line per change, so an operator can confirm an edit took:
//   sequential-id-scan: detect.threshold 50 → 80
//   added rule wide-export
//   allowlist /etc/exfilguard/office.yaml: +2 ips, -1 user
// Allowlisted addresses, users and sessions are personal data: only their counts are
// said, never the values. Route patterns are not, and are named.
import type { CompiledRuleSet } from './compile.js';
import { ruleFields, type RuleSetContents } from './effective.js';
import type { SourcedAllowlist } from './load.js';
import type { Rule } from './schema.js';

/** Lines of what differs from `before` to `after`; empty when nothing that decides changed. */
export function describeRuleChanges(before: RuleSetContents, after: RuleSetContents): string[] {
  return [
    ...ruleChanges(before.rules, after.rules),
    ...allowlistChanges(before.allowlists, after.allowlists),
  ];
}

/** The rules and allowlists a compiled set was compiled from: the set in force, to compare. */
export function contentsOf(compiled: CompiledRuleSet): RuleSetContents {
  return { rules: compiled.rules.map((r) => r.rule), allowlists: compiled.allowlist.sources };
}

function ruleChanges(before: readonly Rule[], after: readonly Rule[]): string[] {
  const old = new Map(before.map((rule) => [rule.id, rule]));
  const current = new Set(after.map((rule) => rule.id));
  const lines = before.filter((rule) => !current.has(rule.id)).map((r) => `removed rule ${r.id}`);
  for (const rule of after) {
    const previous = old.get(rule.id);
    if (previous) lines.push(...fieldChanges(previous, rule));
    else lines.push(`added rule ${rule.id}`);
  }
  return lines;
}

function fieldChanges(before: Rule, after: Rule): string[] {
  const old = ruleFields(before);
  const current = ruleFields(after);
  const fields = new Set([...old.keys(), ...current.keys()]);
  const lines: string[] = [];
  for (const field of fields) {
    const [was, now] = [old.get(field), current.get(field)];
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    // A description can be long and decides nothing: that it changed is enough.
    lines.push(
      field === 'description'
        ? `${after.id}: description changed`
        : `${after.id}: ${field} ${shown(was)} → ${shown(now)}`,
    );
  }
  return lines;
}

function shown(value: unknown): string {
  if (value === undefined) return '(unset)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const ENTRY_KINDS = [
  ['ips', 'ip', 'ips'],
  ['users', 'user', 'users'],
  ['sessions', 'session', 'sessions'],
  ['routes', 'route', 'routes'],
] as const;

type EntryKind = (typeof ENTRY_KINDS)[number][0];

/** Per file, the entries of each kind (an allowlist file may hold several documents). */
function entriesByFile(
  allowlists: readonly SourcedAllowlist[],
): Map<string, Record<EntryKind, Set<string>>> {
  const byFile = new Map<string, Record<EntryKind, Set<string>>>();
  for (const allowlist of allowlists) {
    const file = allowlist.file ?? '(no file)';
    const entries = byFile.get(file) ?? {
      ips: new Set<string>(),
      users: new Set<string>(),
      sessions: new Set<string>(),
      routes: new Set<string>(),
    };
    for (const [kind] of ENTRY_KINDS) for (const value of allowlist[kind]) entries[kind].add(value);
    byFile.set(file, entries);
  }
  return byFile;
}

function allowlistChanges(
  before: readonly SourcedAllowlist[],
  after: readonly SourcedAllowlist[],
): string[] {
  const old = entriesByFile(before);
  const current = entriesByFile(after);
  const files = [...new Set([...old.keys(), ...current.keys()])].sort();
  const lines: string[] = [];
  for (const file of files) {
    const parts = ENTRY_KINDS.flatMap(([kind, one, many]) => {
      const was = old.get(file)?.[kind] ?? new Set<string>();
      const now = current.get(file)?.[kind] ?? new Set<string>();
      const added = [...now].filter((value) => !was.has(value));
      const removed = [...was].filter((value) => !now.has(value));
      const sides: [string, string[]][] = [
        ['+', added],
        ['-', removed],
      ];
      return sides.flatMap(([sign, values]) => {
        if (values.length === 0) return [];
        // Route patterns are named; an address, user or session never is.
        const named = kind === 'routes' ? ` (${values.join(', ')})` : '';
        return [`${sign}${values.length} ${values.length === 1 ? one : many}${named}`];
      });
    });
    if (parts.length > 0) lines.push(`allowlist ${file}: ${parts.join(', ')}`);
  }
  return lines;
}
