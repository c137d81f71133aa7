// Where replay's records come from: log files (plain or .gz) and standard input
// ("-"), line by line, with the file and line number each line had, so a rejection
// can say `access.log:8812`.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ExfilguardError } from '../errors.js';

export interface SourceLine {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

export interface LineSource {
  readonly lines: AsyncIterable<SourceLine>;
  /** Total bytes of the named files (stdin unknown), for a progress bar. */
  readonly totalBytes: number;
  /** Bytes read so far (compressed bytes for .gz files). */
  bytesRead(): number;
}

/** Opens every input, checking first that each exists, so a typo fails before any work. */
export async function openLineSource(
  paths: readonly string[],
  stdin: Readable = process.stdin,
): Promise<LineSource> {
  let totalBytes = 0;
  for (const path of paths) {
    if (path === '-') continue;
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new ExfilguardError(
        'INPUT_UNREADABLE',
        `${path}: cannot read (${error.code ?? error.message})`,
      );
    });
    if (!info.isFile()) throw new ExfilguardError('INPUT_UNREADABLE', `${path}: not a file`);
    totalBytes += info.size;
  }
  let read = 0;
  async function* lines(): AsyncGenerator<SourceLine> {
    for (const path of paths) {
      const raw = path === '-' ? stdin : createReadStream(path);
      raw.on('data', (chunk: Buffer | string) => (read += chunk.length));
      const text = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
      const reader = createInterface({ input: text, crlfDelay: Infinity });
      let line = 0;
      for await (const content of reader) {
        line += 1;
        if (content.length > 0) yield { file: path === '-' ? 'stdin' : path, line, text: content };
      }
    }
  }
  return { lines: lines(), totalBytes, bytesRead: () => read };
}
