// `npm run demo` (node --import tsx scripts/demo.ts) as a child process, with its own
// broker and redis-server (no EXFILGUARD_KAFKA_BROKERS or _REDIS_URL in its
// environment) and an attack every few seconds: its table must show every attack
// kind the simulator has locked out by the rule that should catch it, and after
// Ctrl-C (SIGINT) nothing it started may be left: no process, no port, no folder.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { portAccepts } from '../../scripts/lib/service-process.js';
import { ATTACK_PLANS } from '../../src/simulate/index.js';
import { exited, exitedWithin, spawnTypeScript, waitFor } from '../support/detector.js';

const DEMO = 'scripts/demo.ts';
const PACKAGE = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as {
  scripts: Record<string, string>;
};
const ALL_LOCKED_OUT_WITHIN_MS = 180_000;
const EXIT_WITHIN_MS = 30_000;

/** What the demo printed about itself: the processes, ports and folders it started. */
interface Banner {
  readonly pids: number[];
  readonly ports: number[];
  readonly folders: string[];
}

interface Row {
  readonly rule: string;
  readonly subject: string;
  readonly attack: string;
}

/** The demo's own settings only: where its programs are, never a broker or Redis. */
function demoEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['EXFILGUARD_KAFKA_JARS', 'REDIS_SERVER_BIN']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

function bannerOf(output: string): Banner {
  const head = output.slice(0, output.indexOf('Ctrl-C stops everything'));
  const numbers = (pattern: RegExp) => [...head.matchAll(pattern)].map((m) => Number(m[1]));
  return {
    pids: numbers(/\bpid (\d+)/g),
    ports: numbers(/127\.0\.0\.1:(\d+)/g),
    // The logs' folder is named once per log file.
    folders: [
      ...new Set(
        [...head.matchAll(/(\/[^\s,]*exfilguard-(?:demo|kafka|redis)-[A-Za-z0-9]+)/g)].map(
          (m) => m[1]!,
        ),
      ),
    ],
  };
}

/** The table's rows: TIME RULE SCOPE:SUBJECT MODE TTL ATTACK REASON. */
function rowsOf(output: string): Row[] {
  return output
    .split('\n')
    .filter((line) => /^\d{4}-\d\d-\d\dT/.test(line))
    .map((line) => {
      const [, rule, subject, , , attack] = line.split(/ {2,}/);
      return { rule: rule!, subject: subject!, attack: attack! };
    });
}

/** "#4 not-found-probing" → "not-found-probing". */
const kindOf = (attack: string) => attack.replace(/^#\d+ /, '');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

describe('npm run demo', () => {
  let demo: ChildProcess | undefined;
  let stdout = '';

  afterAll(async () => {
    // A failed test must not leave the demo or its services: they run in process
    // groups of their own, so killing the demo alone would not end them.
    if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
    const { pids, folders } = bannerOf(stdout);
    for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('locks out every attack kind live, and Ctrl-C leaves no process, port or folder', async () => {
    // What the test runs is what `npm run demo` runs (without npm in between).
    expect(PACKAGE.scripts.demo).toBe(`node --import tsx ${DEMO}`);
    const args = ['--attack-every', '4s', '--rate', '10', '--duration', '200s', '--seed', '7'];
    const child = spawnTypeScript(DEMO, args, demoEnvironment());
    demo = child;
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = exited(child);
    let endedEarly = false;
    void ended.then(() => (endedEarly = true));

    const kindsLockedOut = () =>
      new Set(
        rowsOf(stdout)
          .filter((row) => {
            const plan = ATTACK_PLANS.find((p) => p.kind === kindOf(row.attack));
            return plan?.rule === row.rule && row.subject.startsWith(`${plan.scope}:`);
          })
          .map((row) => kindOf(row.attack)),
      );
    await waitFor(
      () => kindsLockedOut().size === ATTACK_PLANS.length || endedEarly,
      ALL_LOCKED_OUT_WITHIN_MS,
      'every attack kind locked out',
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${stdout}\n${stderr}`);
    });
    expect(endedEarly, `the demo ended early:\n${stdout}\n${stderr}`).toBe(false);

    // Each kind on its own, by the rule and scope its plan names (live-attacks.ts).
    const rows = rowsOf(stdout);
    for (const plan of ATTACK_PLANS) {
      expect(
        rows.some(
          (row) =>
            kindOf(row.attack) === plan.kind &&
            row.rule === plan.rule &&
            row.subject.startsWith(`${plan.scope}:`),
        ),
        `${plan.kind} locked out by ${plan.rule} on its ${plan.scope}`,
      ).toBe(true);
    }
    // Only attackers are locked out: every row names the attack its subject belongs to.
    expect(rows.filter((row) => row.attack === '-')).toEqual([]);

    const banner = bannerOf(stdout);
    // The broker, redis-server and the demo itself (detector, simulator, table).
    expect(banner.pids).toHaveLength(3);
    expect(banner.pids).toContain(child.pid);
    // Redis, the broker and its controller, the detector's HTTP port.
    expect(banner.ports.length).toBeGreaterThanOrEqual(4);
    expect(banner.folders).toHaveLength(3);
    for (const port of banner.ports) expect(await portAccepts(port), `port ${port}`).toBe(true);

    child.kill('SIGINT');
    expect(await exitedWithin(child, EXIT_WITHIN_MS), stdout).toBe(0);
    expect(stdout).toContain('nothing left running');
    for (const pid of banner.pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    for (const port of banner.ports) expect(await portAccepts(port), `port ${port}`).toBe(false);
    for (const folder of banner.folders) expect(existsSync(folder), folder).toBe(false);
  }, 300_000);

  it('names what to install when java, mvn and redis-server are missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'exfilguard-empty-path-'));
    try {
      const child = spawnTypeScript(DEMO, [], { PATH: empty, HOME: empty });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      expect(await exitedWithin(child, 30_000)).toBe(1);
      expect(stderr).toContain('[PROGRAM_MISSING]');
      expect(stderr).toContain('java, mvn, redis-server');
      expect(stderr).toContain('apt-get install openjdk-17-jre-headless maven redis-server');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
