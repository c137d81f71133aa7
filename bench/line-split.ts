// A prototype line source for replay: 64 KiB string chunks split on "\n" by hand,
// one array of lines per chunk, so the consumer awaits once per chunk, not per line
// (readline emits a 'line' event per line and `for await` resolves a promise each).
import { createReadStream } from 'node:fs';

/** Lines with a hand-written splitter over 64 KiB string chunks: no readline, no per-line await. */
export async function* splitLines(path: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const text = rest + (chunk as string);
    const lines: string[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      if (end > start) lines.push(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
    yield lines;
  }
  if (rest.length > 0) yield [rest];
}
