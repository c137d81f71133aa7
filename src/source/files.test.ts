// The line source reads files in chunks (64 KiB reads): what replay reports as
// `file:line` must stay the line's number in its file whatever read it ended in, with
// empty lines counted, lines split across reads joined, and plain and .gz alike.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openLineSource, sourceLineOf, type SourceLine } from './files.js';

/** 6,000 lines (~450 KB: several reads), some empty, of varied lengths, CRLF here and there. */
function sampleText(): { text: string; expected: { line: number; text: string }[] } {
  const rows: string[] = [];
  const expected: { line: number; text: string }[] = [];
  for (let n = 1; n <= 6000; n += 1) {
    if (n % 97 === 0) {
      rows.push('');
      continue;
    }
    const text = `{"n":${n},"pad":"${'x'.repeat((n * 37) % 140)}"}`;
    rows.push(n % 13 === 0 ? `${text}\r` : text);
    expected.push({ line: n, text });
  }
  return { text: `${rows.join('\n')}\n`, expected };
}

async function viaChunks(path: string): Promise<SourceLine[]> {
  const lines: SourceLine[] = [];
  let reads = 0;
  for await (const { file, firstLine, splits } of (await openLineSource([path])).chunks) {
    reads += 1;
    splits.forEach((split, i) => {
      const line = sourceLineOf(file, firstLine + i, split);
      if (line) lines.push(line);
    });
  }
  expect(reads).toBeGreaterThan(3);
  return lines;
}

async function viaLines(path: string): Promise<SourceLine[]> {
  const lines: SourceLine[] = [];
  for await (const line of (await openLineSource([path])).lines) lines.push(line);
  return lines;
}

describe('the line source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exfilguard-lines-'));
  const { text, expected } = sampleText();
  const plain = join(dir, 'access.log');
  const gzipped = join(dir, 'access.log.gz');
  writeFileSync(plain, text);
  writeFileSync(gzipped, gzipSync(text));

  for (const [name, path] of [
    ['plain', plain],
    ['gzip', gzipped],
  ] as const) {
    it(`numbers every line by its place in the file, over many reads (${name})`, async () => {
      const want = expected.map(({ line, text: t }) => ({ file: path, line, text: t }));
      expect(await viaChunks(path)).toEqual(want);
      expect(await viaLines(path)).toEqual(want);
    });
  }

  it('numbers the lines after an over-long one, and of a second file from 1', async () => {
    const long = join(dir, 'long.log');
    const lines = ['{"a":1}', 'y'.repeat(1024 * 1024 + 5), '', '{"a":4}'];
    writeFileSync(long, `${lines.join('\n')}`);
    const read: SourceLine[] = [];
    for await (const { file, firstLine, splits } of (await openLineSource([long, plain])).chunks) {
      splits.forEach((split, i) => {
        const line = sourceLineOf(file, firstLine + i, split);
        if (line) read.push(line);
      });
    }
    expect(read.slice(0, 3).map(({ file, line, text: t }) => [file, line, t])).toEqual([
      [long, 1, '{"a":1}'],
      [long, 2, ''],
      [long, 4, '{"a":4}'],
    ]);
    expect(read[1]!.rejection?.code).toBe('EVENT_TOO_LARGE');
    expect(read[3]).toEqual({ file: plain, line: 1, text: expected[0]!.text });
  });
});
