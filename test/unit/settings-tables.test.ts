// README's settings tables against the configuration's schema: generated from it, every
// variable described and listed, and no variable named in the docs that the schema does
// not know (a renamed or removed setting left behind in prose).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { environmentFields } from '../../src/config/fields.js';
import { readmeWithSettings, readReadme, settingDoc } from '../../scripts/lib/settings-tables.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const NAMES = Object.keys(environmentFields.shape);

describe("README's settings tables", () => {
  it('are the ones the schema generates', async () => {
    const readme = await readReadme();
    expect(
      await readmeWithSettings(readme),
      "README.md's settings tables differ from src/config/: run `npm run docs:settings`",
    ).toBe(readme);
  });

  it('are regenerated over a hand edit, and need their markers', async () => {
    const readme = await readReadme();
    const edited = readme.replace(
      '`host:port,…`: the brokers to connect to first',
      '`host:port,…`: brokers, edited by hand',
    );
    expect(edited).not.toBe(readme);
    expect(await readmeWithSettings(edited)).toBe(await readmeWithSettings(readme));
    const unmarked = readme.replace('<!-- settings:enforce -->', '');
    await expect(readmeWithSettings(unmarked)).rejects.toThrow(/settings:enforce/);
  });

  it('have a description for every variable', () => {
    expect(NAMES.filter((name) => settingDoc(name) === undefined)).toEqual([]);
  });

  it('list every variable of the schema', async () => {
    const readme = await readReadme();
    const listed = (name: string) =>
      new RegExp(`^\\| \`EXFILGUARD_${name}\` +\\|`, 'm').test(readme);
    expect(NAMES.filter((name) => !listed(name))).toEqual([]);
  });
});

describe('the EXFILGUARD_* variables the docs name', () => {
  // Docs and deployment files, not code: tests misspell names on purpose.
  const files = execFileSync('git', ['ls-files', '*.md', '*.yml', '*.yaml', '*.conf', '*.sh'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file !== '' && !file.startsWith('schemas/'));

  it('are all in the schema (or a prefix of some, as in `EXFILGUARD_KAFKA_*`)', () => {
    const unknown: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const match of text.matchAll(/EXFILGUARD_([A-Z0-9_]*)(\*?)/g)) {
        const [, name = '', wildcard] = match;
        const known = wildcard
          ? NAMES.some((n) => n.startsWith(name))
          : NAMES.includes(name) || (name === '' && text[match.index + match[0].length] === '*');
        if (!known) unknown.push(`${file}: EXFILGUARD_${name}${wildcard}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('are looked for in the README at least', () => {
    expect(files).toContain('README.md');
  });
});
