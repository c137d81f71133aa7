// replay and rules test with the live detector's key secret (issue 9, item 2): breadth
// bitmaps place each value where the detector did, so the decisions are the same.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DistinctHash } from '../../src/detect/index.js';
import type { AccessEvent } from '../../src/event/access-event.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';
import { runCli as run } from '../support/cli.js';

const LIVE_SECRET = 'the live detector secret, 32 characters or more';
const START = Date.parse('2026-01-05T09:00:00Z');

/** 400 ids, far apart, that the given key crowds into 60 of 512 bits (~70 distinct). */
function idsCrowdedBy(hash: DistinctHash): number[] {
  const ids: number[] = [];
  for (let id = 50_000_017; ids.length < 400; id += 7_919) {
    if (hash.bitOf(`/api/customers/:id\u0000${id}`, 512) < 60) ids.push(id);
  }
  return ids;
}

function reads(session: string, ids: readonly number[]): AccessEvent[] {
  return ids.map((id, i) => ({
    ts: START + i * 1000,
    ip: session === 'crowded-live' ? '198.51.100.41' : '198.51.100.42',
    method: 'GET',
    path: `/api/customers/${id}`,
    status: 200,
    bytes: 900,
    session,
  }));
}

// Session crowded-live is hidden from the live key, crowded-built-in from the built-in one.
const events = [
  ...reads('crowded-live', idsCrowdedBy(DistinctHash.fromSecret(LIVE_SECRET))),
  ...reads('crowded-built-in', idsCrowdedBy(DistinctHash.builtIn())),
].sort((x, y) => x.ts - y.ts);

async function tempFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-key-'));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function breadthLockouts(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; rule: string; subject: string })
    .filter((l) => l.rule === 'object-breadth')
    .map((l) => `${l.id} ${l.subject}`);
}

describe('replay with the key secret', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('gives the lockouts the pipeline gives with that secret, by file or variable', async () => {
    const { compiled } = await loadRules({
      dirs: [],
      shipped: true,
      distinctHash: DistinctHash.fromSecret(LIVE_SECRET),
    });
    const live = await new DetectionPipeline(compiled, new MemoryWindowStore()).process(events);
    const expected = live.lockouts
      .filter((l) => l.rule === 'object-breadth')
      .map((l) => `${l.id} ${l.subject}`);
    expect(expected.map((l) => l.split(' ')[1])).toEqual(['crowded-built-in']);

    const log = await tempFile('reads.jsonl', events.map((e) => JSON.stringify(e)).join('\n'));
    const secretFile = await tempFile('secret', `${LIVE_SECRET}\n`);
    const fromFile = await run(['replay', '--key-secret-file', secretFile, log]);
    expect(fromFile.code).toBe(0);
    expect(breadthLockouts(fromFile.stdout)).toEqual(expected);
    expect(fromFile.stderr).toContain(`breadth key: the key secret from ${secretFile}`);
    expect(fromFile.stderr).not.toContain(LIVE_SECRET);

    vi.stubEnv('EXFILGUARD_KEY_SECRET', LIVE_SECRET);
    const fromEnv = await run(['replay', log]);
    expect(breadthLockouts(fromEnv.stdout)).toEqual(expected);
    expect(fromEnv.stderr).toContain('breadth key: the key secret from EXFILGUARD_KEY_SECRET');
  });

  it('without a secret uses the built-in key, and says decisions may differ from the live ones', async () => {
    const log = await tempFile('reads.jsonl', events.map((e) => JSON.stringify(e)).join('\n'));
    const { code, stdout, stderr } = await run(['replay', log]);
    expect(code).toBe(0);
    expect(breadthLockouts(stdout).map((l) => l.split(' ')[1])).toEqual(['crowded-live']);
    expect(stderr).toContain(
      'breadth key: built-in (no key secret given): decisions match the live detector only with its secret',
    );
  });

  it('refuses a secret shorter than the detector accepts, a FIFO and a missing file', async () => {
    const short = await tempFile('short', 'too-short\n');
    const refused = await run(['replay', '--key-secret-file', short, short]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[CONFIG_INVALID] --key-secret-file');
    expect(refused.stderr).toContain('has 9 characters');
    expect(refused.stderr).not.toContain('too-short');

    const fifo = join(await mkdtemp(join(tmpdir(), 'exfilguard-key-')), 'secret');
    execFileSync('mkfifo', [fifo]);
    const fromFifo = await run(['replay', '--key-secret-file', fifo, short]);
    expect(fromFifo.stderr).toContain('not a regular file');

    const missing = await run(['rules', 'test', '--key-secret-file', '/nonexistent/secret']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[CONFIG_INVALID] --key-secret-file /nonexistent/secret');
  });

  it('runs the shipped rule tests with the secret', async () => {
    const secretFile = await tempFile('secret', LIVE_SECRET);
    const { code, stdout } = await run(['rules', 'test', '--key-secret-file', secretFile]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/rules test: \d+ passed, 0 failed \(breadth key: the key secret from/);
  });
});
