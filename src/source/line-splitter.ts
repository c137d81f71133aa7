// Lines out of a byte stream, with a cap on their length that holds while streaming:
// a line longer than the cap is never assembled — its bytes are counted and dropped
// up to the next newline — so one hostile line (a gzip bomb inflates to gigabytes of
// a single line) costs at most the cap in memory and yields one over-long record,
// where readline built the whole string and died (`RangeError: Invalid string length`).
//
// Lines end at LF; a CR before it is dropped (CRLF files). A lone CR stays in the line,
// unlike readline, which also split there: log formats escape control characters, so a
// raw CR is part of a record, not the end of one.

/** Longest line read, in bytes (LF excluded). h-stream's record cap is also 1 MiB. */
export const MAX_LINE_BYTES = 1024 * 1024;

export type SplitLine =
  | { readonly kind: 'line'; readonly text: string }
  /** A line over the cap, skipped; `bytes` is its whole length. */
  | { readonly kind: 'over-long'; readonly bytes: number };

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private pieces: Buffer[] = [];
  private held = 0;
  /** While skipping an over-long line: its bytes so far; 0 otherwise. */
  private skipped = 0;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /** The lines that `chunk` completes, in order. */
  push(chunk: Buffer): SplitLine[] {
    const lines: SplitLine[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(LF, start);
      if (newline !== -1 && this.held === 0 && this.skipped === 0) {
        // The common case, a whole line inside the chunk: decoded straight from it.
        lines.push(this.line(chunk, start, newline));
      } else {
        this.take(chunk, start, newline === -1 ? chunk.length : newline);
        if (newline === -1) return lines;
        lines.push(this.finish());
      }
      start = newline + 1;
    }
  }

  /** The last line, when the input does not end with a newline. */
  end(): SplitLine[] {
    return this.held > 0 || this.skipped > 0 ? [this.finish()] : [];
  }

  private take(chunk: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.skipped > 0) {
      this.skipped += length;
    } else if (this.held + length > this.maxBytes) {
      this.skipped = this.held + length;
      this.pieces = [];
      this.held = 0;
    } else if (length > 0) {
      this.pieces.push(chunk.subarray(start, end));
      this.held += length;
    }
  }

  private finish(): SplitLine {
    if (this.skipped > 0) {
      const bytes = this.skipped;
      this.skipped = 0;
      return { kind: 'over-long', bytes };
    }
    const whole = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces);
    this.pieces = [];
    this.held = 0;
    return this.line(whole, 0, whole.length);
  }

  /** Bytes start…end of `bytes` as a line: over the cap, or text without a CR at its end. */
  private line(bytes: Buffer, start: number, end: number): SplitLine {
    if (end - start > this.maxBytes) return { kind: 'over-long', bytes: end - start };
    // A LF never occurs inside a UTF-8 sequence, so each line decodes on its own.
    const last = end > start && bytes[end - 1] === CR ? end - 1 : end;
    return { kind: 'line', text: bytes.toString('utf8', start, last) };
  }
}
