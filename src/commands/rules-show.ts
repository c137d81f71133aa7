// What `exfilguard rules show` prints: the rules in force after every override, each
// with the override files that changed it and which fields, the allowlists, the route
// classes and the crawler snapshots (ranges counted). YAML
// for people (durations and sizes as rule files write them: "10m", "20MB"); --json for
// scripts (as loaded: milliseconds and bytes). Allowlisted addresses, users and
// sessions are personal data, so only their counts are shown; route patterns are.
import { Document, isScalar, visit } from 'yaml';
import { writtenRule } from '../rules/effective.js';
import type { AppliedOverride, RuleSet } from '../rules/load.js';
import type { Rule } from '../rules/schema.js';

export interface EffectiveRules {
  readonly files: readonly string[];
  readonly rules: readonly (Rule & { readonly overriddenBy: readonly OverrideSource[] })[];
  /** Rules an override switched off (`disabled: true`), and where. */
  readonly disabled: readonly { readonly rule: string; readonly by: string }[];
  readonly allowlists: readonly AllowlistSummary[];
  /** Route classes (public, downloads, protected); undeclared routes serve records. */
  readonly routes: readonly RouteClassSummary[];
  /** Crawler snapshots: per network, its name, source and how many address ranges. */
  readonly crawlers: readonly CrawlerSummary[];
}

interface RouteClassSummary {
  readonly file?: string;
  readonly public: readonly string[];
  readonly downloads: readonly string[];
  readonly protected: readonly string[];
}

interface CrawlerSummary {
  readonly file?: string;
  readonly snapshot: string;
  readonly networks: readonly {
    readonly name: string;
    readonly source?: string;
    readonly cidrs: number;
  }[];
}

interface OverrideSource {
  /** `file:line` of the override's `rule:` key. */
  readonly at: string;
  readonly fields: readonly string[];
}

interface AllowlistSummary {
  readonly file?: string;
  readonly counts: { readonly ips: number; readonly users: number; readonly sessions: number };
  readonly routes: readonly string[];
}

/** The rules in force (those of `only` when given, disabled ones included), and the allowlists. */
export function effectiveRules(ruleSet: RuleSet, only?: ReadonlySet<string>): EffectiveRules {
  const wanted = (id: string) => !only || only.has(id);
  const overridesOf = (id: string) =>
    ruleSet.overrides.filter((o) => o.rule === id && !o.disabled).map(overrideSource);
  return {
    files: ruleSet.files,
    rules: ruleSet.rules
      .filter((rule) => wanted(rule.id))
      .map((rule) => ({ ...rule, overriddenBy: overridesOf(rule.id) })),
    disabled: ruleSet.overrides
      .filter((o) => o.disabled && wanted(o.rule))
      .map((o) => ({ rule: o.rule, by: o.at })),
    allowlists: ruleSet.allowlists.map((allowlist) => ({
      ...(allowlist.file !== undefined && { file: allowlist.file }),
      counts: {
        ips: allowlist.ips.length,
        users: allowlist.users.length,
        sessions: allowlist.sessions.length,
      },
      routes: allowlist.routes,
    })),
    routes: ruleSet.routes.map((classes) => ({
      ...(classes.file !== undefined && { file: classes.file }),
      public: classes.public,
      downloads: classes.downloads,
      protected: classes.protected,
    })),
    crawlers: ruleSet.crawlers.map((snapshot) => ({
      ...(snapshot.file !== undefined && { file: snapshot.file }),
      snapshot: snapshot.snapshot,
      networks: snapshot.networks.map(({ name, source, cidrs }) => ({
        name,
        ...(source !== undefined && { source }),
        cidrs: cidrs.length,
      })),
    })),
  };
}

function overrideSource(override: AppliedOverride): OverrideSource {
  return { at: override.at, fields: override.fields };
}

/** One YAML document per rule, the override comment above it, then the allowlists. */
export function effectiveRulesYaml(effective: EffectiveRules): string {
  const { rules, disabled, allowlists, files } = effective;
  const header =
    `# effective rules: ${rules.length} in force, from ${files.length} files; ` +
    'durations and sizes as rule files write them\n';
  const documents = rules.map(({ overriddenBy, ...rule }) => {
    const comment =
      overriddenBy.length === 0
        ? 'not overridden'
        : overriddenBy.map((o) => `overridden by ${o.at}: ${o.fields.join(', ')}`).join('\n');
    return yamlDocument(writtenRule(rule), comment);
  });
  const disabledLines = disabled.map((d) => `rule ${d.rule} is disabled by ${d.by}`);
  const allowlistComment = [
    'allowlists: every rule skips what they cover; addresses, users and sessions counted, not shown',
    ...disabledLines,
  ].join('\n');
  documents.push(yamlDocument({ allowlists }, allowlistComment));
  documents.push(
    yamlDocument(
      { routes: effective.routes },
      'route classes: public and download routes feed no record rule unless a rule asks; undeclared routes serve records',
    ),
    yamlDocument(
      { crawlers: effective.crawlers },
      'crawler networks (address ranges counted): their requests on public routes count for no rule',
    ),
  );
  return header + documents.map((doc) => `---\n${doc}`).join('');
}

/** `comment`'s lines as YAML comments, then the value. */
function yamlDocument(value: unknown, comment: string): string {
  const doc = new Document(value);
  // Lists of scalars on one line (`key: [ip, session]`), as the shipped rules write them.
  visit(doc, {
    Seq(_, node) {
      node.flow = node.items.every((item) => isScalar(item));
    },
  });
  const comments = comment.split('\n').map((line) => `# ${line}\n`);
  return comments.join('') + doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
