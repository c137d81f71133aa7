// The line splitter: the lines of any byte stream, however it is chunked; over-long
// lines reported with their length, never assembled.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, type SplitLine } from './line-splitter.js';

function split(chunks: readonly Buffer[], maxBytes: number): SplitLine[] {
  const splitter = new LineSplitter(maxBytes);
  return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.end()];
}

/** What the lines must be: split at LF, CR of CRLF dropped, long ones by length. */
function expected(text: string, maxBytes: number): SplitLine[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => {
    const bytes = Buffer.byteLength(line);
    if (bytes > maxBytes) return { kind: 'over-long', bytes };
    return { kind: 'line', text: line.endsWith('\r') ? line.slice(0, -1) : line };
  });
}

function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

describe('LineSplitter', () => {
  it('splits at LF, drops the CR of CRLF, keeps a lone CR and empty lines', () => {
    const lines = split([Buffer.from('a\r\nb\rc\n\nd')], 100);
    expect(lines).toEqual([
      { kind: 'line', text: 'a' },
      { kind: 'line', text: 'b\rc' },
      { kind: 'line', text: '' },
      { kind: 'line', text: 'd' },
    ]);
  });

  it('reports a line over the cap by its length and goes on with the next', () => {
    const lines = split(
      [Buffer.from('ok\n' + 'x'.repeat(5)), Buffer.from('x'.repeat(7) + '\nnext\n')],
      10,
    );
    expect(lines).toEqual([
      { kind: 'line', text: 'ok' },
      { kind: 'over-long', bytes: 12 },
      { kind: 'line', text: 'next' },
    ]);
  });

  it('gives the same lines for any chunking of any text (property)', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'é', '€', '\n', '\r', ' '),
      maxLength: 60,
    });
    fc.assert(
      fc.property(
        text,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer({ min: 1, max: 12 }),
        (t, cuts, max) => {
          expect(split(chunked(Buffer.from(t), cuts), max)).toEqual(expected(t, max));
        },
      ),
    );
  });

  it('holds at most the cap while a huge line streams through', () => {
    const splitter = new LineSplitter(1024);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 1000; i += 1) expect(splitter.push(chunk)).toEqual([]);
    expect(splitter['held']).toBe(0);
    expect(splitter.push(Buffer.from('\n'))).toEqual([
      { kind: 'over-long', bytes: 64 * 1024 * 1000 },
    ]);
  });
});
