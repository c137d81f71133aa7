// Hot reload: a good edit replaces the rules; a bad one is refused with the loader's
// message and nothing is replaced.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe('RuleWatcher', () => {
  it('reloads a good edit and refuses a bad one, naming file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exfilguard-watch-'));
    const file = join(dir, 'tuning.yaml');
    await writeFile(file, 'kind: override\nrule: sequential-id-scan\ndetect:\n  threshold: 60\n');
    const reloads: CompiledRuleSet[] = [];
    const refusals: Error[] = [];
    const watcher = new RuleWatcher(
      { dirs: [dir], shipped: true },
      { onReload: (rules) => reloads.push(rules), onRefused: (error) => refusals.push(error) },
      50,
    );
    watcher.start();
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
});
