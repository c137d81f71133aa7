// The detector's log of a rule reload says what changed against the rules in force,
// so an operator can confirm an edit took; allowlisted users are counted, not named.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { AllowlistReleaser } from '../admin/index.js';
import { createLogger } from '../log.js';
import { Metrics } from '../metrics.js';
import { DetectionPipeline } from '../pipeline/index.js';
import { loadRules } from '../rules/shipped.js';
import { MemoryWindowStore } from '../window/memory-store.js';
import { watchRules } from './detector-service.js';

const tuning = (threshold: number, users: string[]) =>
  `kind: override\nrule: sequential-id-scan\ndetect:\n  threshold: ${threshold}\n---\n` +
  `kind: allowlist\nusers: [${users.join(', ')}]\n`;

interface LogLine {
  msg: string;
  changes?: string[];
  rules?: number;
  files?: string[];
}

describe('watchRules', () => {
  it('logs what a reload changed, and "no change" when nothing did', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exfilguard-reload-log-'));
    const file = join(dir, 'tuning.yaml');
    await writeFile(file, tuning(60, ['ann']));
    const sources = { dirs: [dir], shipped: true };
    const { compiled } = await loadRules(sources);
    const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore());
    const lines: LogLine[] = [];
    const logger = createLogger('info', {
      write: (line) => lines.push(JSON.parse(line) as LogLine),
    });
    // Releases are the releaser's own tests' concern; here the reload's log is.
    const releaser = { reloaded: async () => undefined } as unknown as AllowlistReleaser;
    const watcher = watchRules(sources, pipeline, new Metrics(), logger, releaser);
    const nthReload = (n: number) =>
      vi.waitFor(
        () => {
          const line = lines.filter((l) => l.msg.startsWith('rules reloaded'))[n];
          if (!line) throw new Error(`no reload number ${n + 1} logged yet`);
          return line;
        },
        { timeout: 5000, interval: 20 },
      );
    try {
      await writeFile(file, tuning(80, ['ann', 'bob']));
      const changed = await nthReload(0);
      expect(changed).toMatchObject({
        msg: 'rules reloaded',
        changes: ['sequential-id-scan: detect.threshold 60 → 80', `allowlist ${file}: +1 user`],
        rules: compiled.rules.length,
      });
      expect(changed.files).toContain(file);
      expect(JSON.stringify(lines)).not.toContain('bob');

      await writeFile(file, tuning(80, ['ann', 'bob']));
      const unchanged = await nthReload(1);
      expect(unchanged).toMatchObject({ msg: 'rules reloaded: no change', changes: [] });
    } finally {
      await watcher.close();
    }
  });
});
