// README's settings tables, generated from the configuration's schema: one row per
// EXFILGUARD_* variable, its default read from the schema, its meaning from the
// description declared beside it (src/config/setting-docs.ts). `npm run docs:settings`
// writes them between README's `<!-- settings:SECTION -->` markers;
// test/unit/settings-tables.test.ts fails when README and the schema drift apart.
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import * as prettier from 'prettier';
import type { z } from 'zod';
import { adminClientEnvironmentSchema } from '../../src/config/admin-client.js';
import { enforceEnvironmentSchema } from '../../src/config/enforce.js';
import {
  environmentFields,
  settingSections,
  type SettingSection,
} from '../../src/config/fields.js';
import { kafkaEnvironmentSchema } from '../../src/config/kafka.js';
import { PREFIX } from '../../src/config/parse.js';
import { settingDocs, type SettingDoc } from '../../src/config/setting-docs.js';
import { formatDuration } from '../../src/vocabulary/units.js';

export const README = new URL('../../README.md', import.meta.url);

type Fields = Readonly<Record<string, z.ZodType>>;

/**
 * Who reads which variables, with the schema each parses them with (its defaults and
 * requirements are the ones shown). `run` parses every variable but reads only its own
 * sections; the others read their pick.
 */
const READERS: readonly { readonly command: string; readonly fields: Fields }[] = [
  { command: 'run', fields: { ...settingSections.run, ...settingSections['admin-api'] } },
  { command: 'simulate', fields: kafkaEnvironmentSchema.shape },
  { command: 'lockouts follow', fields: kafkaEnvironmentSchema.shape },
  { command: 'report --kafka', fields: kafkaEnvironmentSchema.shape },
  { command: 'enforce', fields: enforceEnvironmentSchema.shape },
  { command: 'lockouts', fields: adminClientEnvironmentSchema.shape },
  // Not through config.ts: they need nothing else, and run without it (commands/key-secret.ts).
  { command: 'replay', fields: { KEY_SECRET: environmentFields.shape.KEY_SECRET } },
  { command: 'rules test', fields: { KEY_SECRET: environmentFields.shape.KEY_SECRET } },
];

/** The command each section's table is about. */
const TABLE_COMMAND: Record<SettingSection, string> = {
  run: 'run',
  'admin-api': 'run',
  enforce: 'enforce',
  lockouts: 'lockouts',
};

/** The description of a variable, or undefined when it has none (a test names it). */
export function settingDoc(name: string): SettingDoc | undefined {
  const field = (environmentFields.shape as Fields)[name];
  const doc = field === undefined ? undefined : settingDocs.get(field);
  return doc?.description.trim() ? doc : undefined;
}

/**
 * The rows of a section's table: the variables its command shares with other sections
 * first (e.g. `enforce`'s Kafka connection), then the section's own, in schema order.
 */
function rowNames(section: SettingSection): string[] {
  const command = TABLE_COMMAND[section];
  const own = Object.keys(settingSections[section]);
  const homes = Object.entries(TABLE_COMMAND)
    .filter(([, c]) => c === command)
    .flatMap(([s]) => Object.keys(settingSections[s as SettingSection]));
  const shared = Object.keys(readerOf(command).fields).filter((name) => !homes.includes(name));
  return [...shared, ...own];
}

function readerOf(command: string) {
  const reader = READERS.find((r) => r.command === command);
  if (!reader) throw new Error(`no reader named ${command}`);
  return reader;
}

/** The Markdown table of one section, before prettier aligns it. */
export function settingsTable(section: SettingSection): string {
  const command = TABLE_COMMAND[section];
  const rows = rowNames(section).map((name) => {
    const doc = settingDoc(name);
    if (!doc) throw new Error(`${PREFIX}${name} has no description: add one in src/config/`);
    const readers = READERS.filter((r) => r.command !== command && name in r.fields);
    return {
      name: `\`${PREFIX}${name}\``,
      default: defaultCell(name, readerOf(command).fields[name]!, doc),
      readBy: readers.map((r) => `\`${r.command}\``).join(', '),
      meaning: doc.description,
    };
  });
  const withReaders = rows.some((row) => row.readBy !== '');
  const header = ['variable', 'default', ...(withReaders ? ['also read by'] : []), 'meaning'];
  const lines = [header, header.map(() => '---')];
  for (const row of rows) {
    lines.push([row.name, row.default, ...(withReaders ? [row.readBy] : []), row.meaning]);
  }
  return lines.map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`).join('\n');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/**
 * The default as an operator would write it, checked by parsing it back: a duration
 * kept in milliseconds shows as `10s`, a list as `a,b`. Without a default: what the
 * doc says unset means, or "(required)".
 */
function defaultCell(name: string, field: z.ZodType, doc: SettingDoc): string {
  const unset = field.safeParse(undefined);
  if (unset.success && unset.data !== undefined) return shownDefault(name, field, unset.data);
  if (doc.unset !== undefined) return doc.unset;
  if (!unset.success) return '(required)';
  throw new Error(`${PREFIX}${name} is optional: say what unset means (\`unset\` in its doc)`);
}

function shownDefault(name: string, field: z.ZodType, value: unknown): string {
  if (Array.isArray(value) && value.length === 0) return 'none';
  const written = spellings(value).find((text) =>
    isDeepStrictEqual(field.safeParse(text).data, value),
  );
  if (written === undefined) throw new Error(`${PREFIX}${name}: its default cannot be written`);
  return `\`${written}\``;
}

function spellings(value: unknown): string[] {
  if (typeof value === 'number') return [String(value), formatDuration(value)];
  if (Array.isArray(value)) return [value.join(',')];
  return [String(value)];
}

/**
 * README with every section's table regenerated between its markers, formatted by
 * prettier as `npm run lint` checks it. Throws when a section's markers are missing.
 */
export async function readmeWithSettings(readme: string): Promise<string> {
  let text = readme;
  for (const section of Object.keys(settingSections) as SettingSection[]) {
    const marked = new RegExp(
      `(<!-- settings:${section} -->\\n)[\\s\\S]*?(\\n<!-- /settings:${section} -->)`,
    );
    if (!marked.test(text)) {
      throw new Error(
        `README.md has no <!-- settings:${section} --> … <!-- /settings:${section} --> markers`,
      );
    }
    text = text.replace(marked, (_, open: string, close: string) => {
      return `${open}\n${settingsTable(section)}\n${close}`;
    });
  }
  const options = await prettier.resolveConfig(README);
  return prettier.format(text, { ...options, filepath: README.pathname });
}

export async function readReadme(): Promise<string> {
  return readFile(README, 'utf8');
}
