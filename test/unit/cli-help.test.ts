// Every command answers --help (and -h, and `help COMMAND`) with its usage, before it
// reads its configuration or starts anything (issue 13, item 6: `run --help` used to try
// to start, `simulate --help` said "Unknown option").
import { describe, expect, it } from 'vitest';
import { settingNamesOf } from '../../src/config.js';
import { runCli } from '../support/cli.js';

/** The commands the top-level usage lists: a new command without help fails here. */
async function listedCommands(): Promise<string[]> {
  const { stdout } = await runCli(['help']);
  const commands = [...stdout.matchAll(/^ {2}exfilguard ([a-z]+)/gm)].map((m) => m[1]!);
  return [...new Set(commands)].filter((command) => command !== 'help');
}

/** Sub-commands and option lines after which --help must still win. */
const INVOCATIONS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  replay: [[], ['--table', 'missing.log']],
  rules: [['check'], ['test'], ['show'], ['check', 'no-such-folder'], ['suggest', 'x.log']],
  run: [[], ['--rotate-key-secret']],
  enforce: [[]],
  simulate: [[], ['--rate', '50', '--out', '-']],
  lockouts: [['list'], ['show', 'some-id'], ['add', '--scope', 'ip'], ['lift', 'id'], ['follow']],
  report: [[], ['ip:203.0.113.7', 'missing.log'], ['--lockout', 'some-id', '--kafka']],
};

describe('exfilguard COMMAND --help', () => {
  it('lists the commands that these tests cover', async () => {
    expect((await listedCommands()).sort()).toEqual(Object.keys(INVOCATIONS).sort());
  });

  for (const [command, invocations] of Object.entries(INVOCATIONS)) {
    for (const args of invocations) {
      for (const flag of ['--help', '-h']) {
        const line = [command, ...args, flag];
        it(`${line.join(' ')}: its usage, exit 0, nothing else done`, async () => {
          // No EXFILGUARD_* variables in this process: any attempt to read the
          // configuration or a file would print an error and exit non-zero.
          const { code, stdout, stderr } = await runCli(line);
          expect(stderr).toBe('');
          expect(code).toBe(0);
          expect(stdout).toMatch(new RegExp(`^Usage: exfilguard ${command}\\b`));
        });
      }
    }

    it(`help ${command} prints the same usage as ${command} --help`, async () => {
      const viaHelp = await runCli(['help', command]);
      const viaFlag = await runCli([command, '--help']);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toBe(viaFlag.stdout);
    });
  }

  it('run and enforce name every variable they read (the schema README is generated from)', async () => {
    const run = (await runCli(['run', '--help'])).stdout;
    for (const name of settingNamesOf('run')) {
      expect(run).toMatch(new RegExp(`\\b${name}\\b`));
    }
    const enforce = (await runCli(['enforce', '--help'])).stdout;
    for (const name of settingNamesOf('enforce'))
      expect(enforce).toMatch(new RegExp(`\\b${name}\\b`));
  });

  it('after "--", --help is an argument, not a request for help', async () => {
    const { code, stderr } = await runCli(['replay', '--', '--help']);
    expect(code).toBe(1);
    expect(stderr).toContain('--help');
  });

  it('help for a command that does not exist is a usage error', async () => {
    const { code, stderr } = await runCli(['help', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('no command "nope"');
  });
});
