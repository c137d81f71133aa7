// `exfilguard simulate --out -`: live JSON lines on stdout, logs on stderr, option
// errors as usage errors, and a clean exit 0 on SIGTERM (a real child process).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSimulateArgs } from '../../src/commands/simulate-command.js';
import { parseEvent } from '../../src/event/parse.js';
import { runCli as run } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('exfilguard simulate', () => {
  it('writes live contract-1 events on stdout, at the rate, with an attack and its log line', async () => {
    const began = Date.now();
    const argv = ['simulate', '--out', '-', '--duration', '3s', '--attack-every', '1s'];
    const { code, stdout, stderr } = await run([...argv, '--rate', '20', '--seed', '5']);
    const elapsed = Date.now() - began;
    expect(code).toBe(0);
    expect(elapsed).toBeGreaterThanOrEqual(2900);
    const events = lines(stdout).map((line) => parseEvent(line, 'json'));
    expect(events.every((outcome) => outcome.ok)).toBe(true);
    const times = events.map((outcome) => (outcome.ok ? outcome.event.ts : 0));
    // Event time is the wall clock of the run.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(began);
    expect(Math.max(...times)).toBeLessThanOrEqual(began + elapsed);
    const logs = lines(stderr).map((line) => JSON.parse(line) as Record<string, unknown>);
    const attacks = logs.filter((log) => log.attack !== undefined);
    expect(attacks.map((log) => [log.attack, log.rule, log.actor])).toEqual([
      ['ascending-scan', 'sequential-id-scan', 'ip:203.0.113.20'],
      ['strided-scan', 'sequential-id-scan', 'ip:203.0.113.21'],
    ]);
    const attackEvents = events.filter((o) => o.ok && o.event.ip.startsWith('203.0.113.')).length;
    // 20 benign events a second for 3 s, within the run's own rounding.
    expect(events.length - attackEvents).toBeGreaterThan(45);
    expect(events.length - attackEvents).toBeLessThan(80);
    expect(logs.at(-1)).toMatchObject({ msg: 'simulation ended', events: events.length });
  });

  it.each([
    [['--rate', '1'], '--rate takes events a second from 2 to 2000, got "1"'],
    [['--attack-every', 'often'], '--attack-every takes a duration of 1s or more'],
    [['--duration', '0s'], '--duration takes a duration of 1s or more'],
    [['--seed', '1.5'], '--seed takes a whole number'],
    [['--out', 'file.jsonl'], '--out takes "-"'],
  ])('refuses %j', async (options, message) => {
    const { code, stderr } = await run(['simulate', ...options]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('has defaults for a forever run: 50 events a second, an attack every 3 minutes', () => {
    expect(parseSimulateArgs(['--seed', '9'])).toEqual({
      ratePerSecond: 50,
      attackEveryMs: 180_000,
      seed: 9,
      out: 'kafka',
    });
  });

  it('exits 0 on SIGTERM, its output whole', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'simulate', '--out', '-', '--rate', '20'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    while (lines(stdout).length < 10) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(lines(stdout).every((line) => parseEvent(line, 'json').ok)).toBe(true);
    expect(stderr).toContain('"signal":"SIGTERM"');
    expect(stderr).toContain('simulation ended');
  }, 30_000);
});
