// A gzip bomb through replay: one line that inflates to 600 MiB of "a" (beyond V8's
// longest string, so reading it whole cannot work), then a scan. Replay must report
// the line, keep its memory bounded, and still lock the scanner out. The file is made
// here from a stream, not committed: about 0.6 MB on disk.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { scanEvents } from '../support/detector.js';

const LINE_MIB = 600;
let dir = '';

function* bomb(scan: readonly string[]): Generator<Buffer> {
  yield Buffer.from('{"note": "a valid line before"}\n');
  const mib = Buffer.alloc(1024 * 1024, 0x61);
  for (let i = 0; i < LINE_MIB; i += 1) yield mib;
  yield Buffer.from(`\n${scan.join('\n')}\n`);
}

function scanLines(ip: string, count: number): string[] {
  const start = Date.parse('2015-05-18T12:00:00Z');
  return scanEvents(ip, count, start, 500).map((event) => JSON.stringify(event));
}

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('replay of a gzip bomb', () => {
  it(
    'reports the over-long line, stays within bounded memory and locks the scanner out',
    { timeout: 60_000 },
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'exfilguard-bomb-'));
      const file = join(dir, 'bomb.log.gz');
      await pipeline(
        Readable.from(bomb(scanLines('192.0.2.99', 70))),
        createGzip({ level: 1 }),
        createWriteStream(file),
      );
      let peakRss = process.memoryUsage().rss;
      const baseline = peakRss;
      const sampler = setInterval(
        () => (peakRss = Math.max(peakRss, process.memoryUsage().rss)),
        20,
      );
      const { code, stdout, stderr } = await runCli(['replay', file]).finally(() =>
        clearInterval(sampler),
      );
      expect(code).toBe(0);
      expect(stderr).toContain(`${file}:2: EVENT_TOO_LARGE: a line of ${LINE_MIB * 2 ** 20} bytes`);
      expect(stderr).toContain('72 lines, 70 events, 2 invalid');
      expect(stdout).toContain('"subject":"192.0.2.99"');
      expect(peakRss - baseline).toBeLessThan(256 * 2 ** 20);
    },
  );

  it('refuses a corrupt .gz with a coded message, not a stack trace', async () => {
    dir ||= await mkdtemp(join(tmpdir(), 'exfilguard-bomb-'));
    const file = join(dir, 'corrupt.log.gz');
    await writeFile(file, Buffer.concat([gzipSync('{"ts":1}\n'), Buffer.from('garbage')]));
    const { code, stderr } = await runCli(['replay', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(`[INPUT_UNREADABLE] ${file}:1: cannot read (Z_DATA_ERROR`);
  });
});
