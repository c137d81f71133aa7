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

  it('ends with the exit codes and messages of the command', async () => {
    const missing = await runBuilt(['replay', '/nonexistent/access.log']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[INPUT_UNREADABLE] /nonexistent/access.log');
    const usage = await runBuilt(['replay', '--max-windows', '5', log]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--max-windows takes a whole number of at least 100');
  }, 60_000);
});
