// `exfilguard rules check` on rule folders that load but do nothing, or that attack
// the loader: warnings printed beside the rules, hostile files refused with a message.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const NEVER_FIRES = `id: wide-harvest
description: more distinct objects than the bitmap can tell
key: session
window: 1h
detect:
  kind: breadth
  of: objects
  threshold: 40000
action:
  ttl: 1h
  severity: high
`;

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-check-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('exfilguard rules check', () => {
  it('prints a warning for a rule that can never fire, and still passes', async () => {
    const dir = await folder({ 'wide.yaml': NEVER_FIRES });
    const { code, stdout } = await runCli(['rules', 'check', dir]);
    expect(code).toBe(0);
    expect(stdout).toContain('ok  wide-harvest');
    expect(stdout).toContain(
      `warn  ${join(dir, 'wide.yaml')}:8: detect.threshold: 40000 distinct objects can never be counted`,
    );
  });

  it('refuses a FIFO and an alias bomb with a coded message, no hang, no stack trace', async () => {
    const dir = await folder({
      'bomb.yaml': `a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n`,
    });
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const { code, stderr } = await runCli(['rules', 'check', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain('[RULES_INVALID] Rules refused, 2 problem(s)');
    expect(stderr).toContain(`${join(dir, 'bomb.yaml')}:1: YAML: aliases expand too far`);
    expect(stderr).toContain(`${join(dir, 'pipe.yaml')}: not a regular file`);
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 3000);
});
