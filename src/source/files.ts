// Where replay's records come from: log files (plain or .gz) and standard input
// ("-"), line by line, with the file and line number each line had, so a rejection
// can say `access.log:8812`. Lines are capped while streaming (line-splitter.ts): an
// over-long line comes out as a rejection of its own, and the next lines follow.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ExfilguardError } from '../vocabulary/errors.js';
import type { EventRejection } from '../event/index.js';
import { LineSplitter, MAX_LINE_BYTES, type SplitLine } from './line-splitter.js';

export interface SourceLine {
  readonly file: string;
  readonly line: number;
  /** The line; empty when it was refused unread (`rejection`). */
  readonly text: string;
  /** Set when the line could not be read as a record at all (over the line cap). */
  readonly rejection?: EventRejection;
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
      yield* linesOf(path === '-' ? 'stdin' : path, path.endsWith('.gz') ? gunzip(raw) : raw);
    }
  }
  return { lines: lines(), totalBytes, bytesRead: () => read };
}

function gunzip(raw: Readable): Readable {
  const inflated = createGunzip({ chunkSize: 64 * 1024 }); // as createReadStream reads: 4× fewer chunks than 16 KiB
  raw.on('error', (error) => inflated.destroy(error));
  return raw.pipe(inflated);
}

async function* linesOf(file: string, input: Readable): AsyncGenerator<SourceLine> {
  const splitter = new LineSplitter();
  let line = 0;
  const number = (split: SplitLine): SourceLine | undefined => {
    line += 1;
    if (split.kind === 'over-long')
      return { file, line, text: '', rejection: overLong(split.bytes) };
    return split.text.length > 0 ? { file, line, text: split.text } : undefined;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      for (const split of splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) {
        const numbered = number(split);
        if (numbered) yield numbered;
      }
    }
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ExfilguardError(
      'INPUT_UNREADABLE',
      `${file}:${line + 1}: cannot read (${code ? `${code}: ` : ''}${message}); ` +
        'check that the file is complete and, if named .gz, gzip-compressed',
    );
  }
  for (const split of splitter.end()) {
    const numbered = number(split);
    if (numbered) yield numbered;
  }
}

function overLong(bytes: number): EventRejection {
  return {
    code: 'EVENT_TOO_LARGE',
    message:
      `EVENT_TOO_LARGE: a line of ${bytes} bytes, over the ${MAX_LINE_BYTES}-byte line limit; ` +
      'skipped unread up to the next newline. Check that the file holds one record per line ' +
      '(a binary file, or a .gz inflating to one endless line, has none)',
  };
}
