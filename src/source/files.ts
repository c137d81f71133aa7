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

/**
 * The lines that one read of a file completed (64 KiB: some 250 log lines), as the
 * splitter gave them: `splits[i]` is line `firstLine + i` of `file`. Empty lines are
 * there too (numbered, but no record): a reader skips them.
 */
export interface LineChunk {
  readonly file: string;
  readonly firstLine: number;
  readonly splits: readonly SplitLine[];
}

/** Line `line` of `file` as a SourceLine; undefined for an empty line. */
export function sourceLineOf(file: string, line: number, split: SplitLine): SourceLine | undefined {
  if (split.kind === 'over-long') return { file, line, text: '', rejection: overLong(split.bytes) };
  return split.text.length > 0 ? { file, line, text: split.text } : undefined;
}

/**
 * Read one of two ways, not both (they share the files' one reading). `chunks` gives
 * each read's lines together, so a bulk reader pays the async iteration once per read
 * instead of once per line, and makes no object per line (issue 16: in replay, the
 * promises and results of two nested async generators per line were ~900 B of the
 * ~6.9 KB it allocated a line; and a SourceLine made for each line of a read ahead of
 * its use outlived scavenges, so V8 moved such objects to the old generation from
 * birth, where each kept its line's text alive until the next full collection: +30 %
 * of CPU). `lines` gives them one by one.
 */
export interface LineSource {
  readonly chunks: AsyncIterable<LineChunk>;
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
  async function* chunks(): AsyncGenerator<LineChunk> {
    for (const path of paths) {
      const raw = path === '-' ? stdin : createReadStream(path);
      raw.on('data', (chunk: Buffer | string) => (read += chunk.length));
      yield* chunksOf(path === '-' ? 'stdin' : path, path.endsWith('.gz') ? gunzip(raw) : raw);
    }
  }
  const reading = chunks();
  async function* lines(): AsyncGenerator<SourceLine> {
    for await (const { file, firstLine, splits } of reading) {
      for (let i = 0; i < splits.length; i += 1) {
        const line = sourceLineOf(file, firstLine + i, splits[i]!);
        if (line) yield line;
      }
    }
  }
  return { chunks: reading, lines: lines(), totalBytes, bytesRead: () => read };
}

function gunzip(raw: Readable): Readable {
  const inflated = createGunzip({ chunkSize: 64 * 1024 }); // as createReadStream reads: 4× fewer chunks than 16 KiB
  raw.on('error', (error) => inflated.destroy(error));
  return raw.pipe(inflated);
}

/** The lines each chunk read from `input` completes (no chunk for one that ends none). */
async function* chunksOf(file: string, input: Readable): AsyncGenerator<LineChunk> {
  const splitter = new LineSplitter();
  let line = 0;
  const chunkOf = (splits: readonly SplitLine[]): LineChunk => {
    const chunk = { file, firstLine: line + 1, splits };
    line += splits.length;
    return chunk;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      const splits = splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (splits.length > 0) yield chunkOf(splits);
    }
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ExfilguardError(
      'INPUT_UNREADABLE',
      `${file}:${line + 1}: cannot read (${code ? `${code}: ` : ''}${message}); ` +
        'check that the file is complete and, if named .gz, gzip-compressed',
    );
  }
  const last = splitter.end();
  if (last.length > 0) yield chunkOf(last);
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
