// `exfilguard replay --max-windows`: the memory cap, and its evictions in the summary.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from '../support/cli.js';

async function floodLog(actors: number): Promise<string> {
  const start = Date.parse('2026-01-05T09:00:00Z');
  const lines = Array.from({ length: actors }, (_, a) =>
    JSON.stringify({
      ts: start + a * 100,
      ip: `10.2.${a >> 8}.${a & 255}`,
      method: 'GET',
      path: `/api/orders/${1_000_000 + a * 7_919}`,
      status: 200,
      session: `s-${a}`,
    }),
  );
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-flood-'));
  const path = join(dir, 'flood.jsonl');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe('replay --max-windows', () => {
  it('evicts the least recently seen actors above the cap and says so in the summary', async () => {
    const log = await floodLog(600);
    const { code, stderr } = await run(['replay', '--max-windows', '500', log]);
    expect(code).toBe(0);
    expect(stderr).toMatch(
      /memory cap: evicted \d+ least recently seen actors \(\d+ windows\): their windows restarted/,
    );
    const quiet = await run(['replay', log]);
    expect(quiet.stderr).not.toContain('memory cap');
  });

  it('refuses a cap that is not a whole number of at least 100', async () => {
    const log = await floodLog(1);
    for (const bad of ['5', 'lots', '1e3.5']) {
      const { code, stderr } = await run(['replay', '--max-windows', bad, log]);
      expect(code).toBe(2);
      expect(stderr).toContain(`--max-windows takes a whole number of at least 100, got "${bad}"`);
    }
  });
});
