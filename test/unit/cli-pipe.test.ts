// `exfilguard simulate --out - | head`: the reader closes the pipe early; the command ends
// quietly (no EPIPE stack trace on stderr), with SIGPIPE's exit code. simulate writes
// until told to stop, so the closed pipe is always met (a short output could fit in the
// pipe's buffer before the reader leaves).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('exfilguard writing into a closed pipe', () => {
  it('ends quietly with 141 when its reader stops early', async () => {
    const child = spawn(
      process.execPath,
      [
        ...['--import', 'tsx', 'src/cli.ts', 'simulate'],
        ...['--out', '-', '--rate', '2000', '--duration', '60s'],
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Read the first chunk, then close the pipe, as `head` does.
    const first = await new Promise<string>((resolve) =>
      child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(first).toContain('"ts"');
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(141);
  }, 30_000);
});
