// Hot reload: a good edit replaces the rules; a bad one is refused with the loader's
// message and nothing is replaced.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExfilguardError } from '../vocabulary/errors.js';
import type { CompiledRuleSet } from './compile.js';
import { RuleWatcher } from './watch.js';

function until<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const value = read();
      if (value !== undefined) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** A folder with one override of the shipped scan rule, watched, every outcome kept. */
async function watching() {
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-watch-'));
  const file = join(dir, 'tuning.yaml');
  await writeFile(file, 'kind: override\nrule: sequential-id-scan\ndetect:\n  threshold: 60\n');
  const reloads: CompiledRuleSet[] = [];
  const warned: (readonly string[])[] = [];
  const refusals: Error[] = [];
  const watcher = new RuleWatcher(
    { dirs: [dir], shipped: true },
    {
      onReload: (rules, _files, warnings) => (reloads.push(rules), warned.push(warnings)),
      onRefused: (error) => refusals.push(error),
    },
    50,
  );
  watcher.start();
  return { dir, file, reloads, warned, refusals, watcher };
}

describe('RuleWatcher', () => {
  it('reloads a good edit and refuses a bad one, naming file and line', async () => {
    const { file, reloads, refusals, watcher } = await watching();
    try {
      await writeFile(file, 'kind: override\nrule: sequential-id-scan\ndetect:\n  threshold: 80\n');
      const reloaded = await until(() => reloads[0], 'a reload');
      const rule = reloaded.rules.find((r) => r.rule.id === 'sequential-id-scan');
      expect(rule?.rule.detect).toMatchObject({ threshold: 80 });

      await writeFile(
        file,
        'kind: override\nrule: sequential-id-scan\ndetect:\n  threshold: lots\n',
      );
      const refused = await until(() => refusals[0], 'a refusal');
      expect(refused.message).toContain(`${file}:4: detect.threshold`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(reloads).toHaveLength(1);
    } finally {
      watcher.close();
    }
  });

  it('refuses a reload that meets an alias bomb or a FIFO, keeps the rules, and reloads after', async () => {
    const { dir, file, reloads, warned, refusals, watcher } = await watching();
    try {
      const bomb = join(dir, 'bomb.yaml');
      const levels = [...'abcdefgh'].map(
        (n, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(9).fill(`*${n}`).join(', ')}]`,
      );
      await writeFile(
        bomb,
        ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...levels].join('\n'),
      );
      const refused = await until(() => refusals[0], 'a refusal of the bomb');
      expect(refused).toBeInstanceOf(ExfilguardError);
      expect(refused.message).toContain(`${bomb}:1: YAML: aliases expand too far`);
      await rm(bomb);

      const fifo = join(dir, 'x.yaml');
      execFileSync('mkfifo', [fifo]);
      await until(
        () => refusals.find((e) => e.message.includes(`${fifo}: not a regular file`)),
        'a refusal of the FIFO',
      );
      expect(reloads).toHaveLength(0);
      await rm(fifo);

      // A rule that can never fire: the reload goes ahead, with a warning.
      await writeFile(
        file,
        'kind: override\nrule: object-breadth\ndetect:\n  threshold: 40000\n---\n' +
          'kind: override\nrule: sequential-id-scan\ndetect:\n  threshold: 90\n',
      );
      const reloaded = await until(() => reloads.at(-1), 'a reload after the refusals');
      const rule = reloaded.rules.find((r) => r.rule.id === 'sequential-id-scan');
      expect(rule?.rule.detect).toMatchObject({ threshold: 90 });
      expect(warned.at(-1)).toEqual([
        expect.stringContaining(`${file}:4: detect.threshold: 40000 distinct objects`),
      ]);
    } finally {
      watcher.close();
    }
  });
});
