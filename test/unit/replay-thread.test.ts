// `exfilguard replay` (and `rules suggest`) as installed: built JavaScript, the command on a thread of its own
// (commands/worker-thread.ts), its output carried back to the process's streams. Run as
// a real process, and held to the same command run in-process: same lockouts, same
// summary, same exit codes, standard input piped through to the thread.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { transpiledCli } from '../support/transpiled-cli.js';

const REAL_LOG = new URL(
  '../../../shared/data/elastic-examples-apache-combined-2015.log',
  import.meta.url,
).pathname;

let cli: string;
let log: string;

/** Real traffic with one address walking /api/users/N, as JSON lines after it. */
async function mixedLog(): Promise<string> {
  const real = (await readFile(REAL_LOG, 'utf8')).split('\n').slice(0, 2000);
  const start = Date.parse('2015-05-18T12:00:00Z');
  const scan = Array.from({ length: 80 }, (_, i) =>
    JSON.stringify({
      ts: start + i * 500,
      ip: '192.0.2.77',
      method: 'GET',
      path: `/api/users/${2000 + i}`,
      status: 200,
    }),
  );
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-thread-'));
  const path = join(dir, 'mixed.log');
  await writeFile(path, `${[...real, ...scan].join('\n')}\n`);
  return path;
}

/** The transpiled CLI as a process of its own: its exit code and output. */
function runBuilt(
  args: readonly string[],
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (stdin !== undefined) child.stdin.end(stdin);
  else child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The summary without its timing line, which differs from run to run. */
function untimed(stderr: string): string {
  return stderr.replace(/^time: .*\n/m, '');
}

beforeAll(async () => {
  cli = await transpiledCli();
  log = await mixedLog();
}, 120_000);

afterAll(async () => {
  await rm(dirname(dirname(cli)), { recursive: true, force: true });
});

describe('exfilguard replay on its command thread (built JavaScript)', () => {
  it('prints the lockouts and the summary the in-process command prints', async () => {
    const threaded = await runBuilt(['replay', log]);
    const inProcess = await runCli(['replay', log]);
    expect(threaded.code).toBe(0);
    expect(threaded.stdout).toContain('"rule":"sequential-id-scan"');
    expect(threaded.stdout).toBe(inProcess.stdout);
    expect(untimed(threaded.stderr)).toBe(untimed(inProcess.stderr));
  }, 60_000);

  it('reads "-" from standard input through the thread', async () => {
    const threaded = await runBuilt(['replay', '-'], await readFile(log, 'utf8'));
    const fromFile = await runBuilt(['replay', log]);
    expect(threaded.code).toBe(0);
    expect(threaded.stdout).toBe(fromFile.stdout);
    expect(threaded.stderr).toContain('2080 lines, 2080 events, 0 invalid');
  }, 60_000);

  it('suggests the thresholds the in-process rules suggest does', async () => {
    const threaded = await runBuilt(['rules', 'suggest', log]);
    const inProcess = await runCli(['rules', 'suggest', log]);
    expect(threaded.code).toBe(0);
    expect(threaded.stdout).toContain('sequential-id-scan');
    expect(threaded.stdout).toBe(inProcess.stdout);
  }, 60_000);

  it('splits the replay over worker threads, with the lockouts of one (--workers 2, 3)', async () => {
    const one = await runBuilt(['replay', '--workers', '1', log]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('"rule":"sequential-id-scan"');
    expect(one.stderr).toMatch(/^time: .*, 1 worker$/m);
    for (const workers of ['2', '3']) {
      const split = await runBuilt(['replay', '--workers', workers, log]);
      expect(split.code).toBe(0);
      expect(split.stdout).toBe(one.stdout);
      expect(untimed(split.stderr)).toBe(untimed(one.stderr));
      expect(split.stderr).toMatch(new RegExp(`^time: .*, ${workers} workers$`, 'm'));
    }
    // The cap is split over the workers, and what each evicted is summed in the summary:
    // 600 addresses in a minute hold more than 100 windows (50 a worker).
    const flood = join(dirname(log), 'flood.log');
    const start = Date.parse('2015-05-18T12:00:00Z');
    const lines = Array.from({ length: 600 }, (_, i) =>
      JSON.stringify({
        ts: start + i * 100,
        ip: `10.9.${i >> 8}.${i & 255}`,
        method: 'GET',
        path: `/api/users/${i}`,
        status: 200,
      }),
    );
    await writeFile(flood, `${lines.join('\n')}\n`);
    const evictedBy = async (workers: string) => {
      const capped = await runBuilt([
        'replay',
        '--workers',
        workers,
        '--max-windows',
        '100',
        flood,
      ]);
      expect(capped.code).toBe(0);
      return Number(
        /memory cap: evicted (\d+) least recently seen actors/.exec(capped.stderr)?.[1],
      );
    };
    const alone = await evictedBy('1');
    const split = await evictedBy('2');
    expect(alone).toBeGreaterThan(300);
    // Two caps of 50 evict about as many as one of 100; the first worker's alone, far fewer.
    expect(split).toBeGreaterThan(alone * 0.8);
    // Standard input is read once, by one thread.
    const piped = await runBuilt(['replay', '--workers', '2', '-'], await readFile(log, 'utf8'));
    expect(piped.stdout).toBe(one.stdout);
    expect(piped.stderr).toMatch(/^time: .*, 1 worker$/m);
  }, 60_000);

  it('ends with the exit codes and messages of the command', async () => {
    const missing = await runBuilt(['replay', '/nonexistent/access.log']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[INPUT_UNREADABLE] /nonexistent/access.log');
    const usage = await runBuilt(['replay', '--max-windows', '5', log]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--max-windows takes a whole number of at least 100');
    const workers = await runBuilt(['replay', '--workers', '0', log]);
    expect(workers.code).toBe(2);
    expect(workers.stderr).toContain('--workers takes a whole number from 1 to 64, got "0"');
  }, 60_000);
});
