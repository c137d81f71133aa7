// One rule file, read defensively: a rule folder is configuration, but whoever can
// drop a file in it (or a mistaken symlink) must not be able to hang or crash the
// detector. Refused with `file: problem`, so the loader refuses the set and the rules
// in force stay in force:
// - anything but a regular file (a FIFO named x.yaml would block the read forever):
//   opened non-blocking and checked with fstat on the descriptor, so a swap between
//   a check and the open cannot slip through;
// - a file over 1 MiB, told from fstat before a byte is read, and never read past;
// - a YAML alias bomb ("billion laughs"): aliases expanded only up to a bound.
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { FileRefused, readRegularFile } from '../regular-file.js';

export const MAX_RULE_FILE_BYTES = 1024 * 1024;
/** Aliases a document may expand: rule files need few; a bomb needs millions. */
const MAX_ALIAS_COUNT = 50;

/** One YAML document with where it came from, so errors can point at a line. */
export interface SourceDocument {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly raw: unknown;
}

/** The documents of `file`; its problems, `file[:line]: problem`, pushed to `problems`. */
export async function readDocuments(file: string, problems: string[]): Promise<SourceDocument[]> {
  let text: string;
  try {
    text = await readRegularFile(file, MAX_RULE_FILE_BYTES);
  } catch (error) {
    problems.push(`${file}: ${unreadable(error as NodeJS.ErrnoException)}`);
    return [];
  }
  return parseDocuments(file, text, problems);
}

function unreadable(error: NodeJS.ErrnoException): string {
  if (!(error instanceof FileRefused)) return `cannot read (${error.code ?? error.message})`;
  return error.reason === 'not-regular'
    ? 'not a regular file (a FIFO, socket or device); rule files must be regular files, ' +
        'remove it or rename it so it does not end in .yaml/.yml'
    : `larger than ${MAX_RULE_FILE_BYTES} bytes; split it`;
}

function parseDocuments(file: string, text: string, problems: string[]): SourceDocument[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
  });
  if (!Array.isArray(docs)) return []; // an empty stream
  const sources: SourceDocument[] = [];
  for (const doc of docs) {
    const at = (pos: number) => `${file}:${lines.linePos(pos).line}`;
    const yamlError = doc.errors[0];
    if (yamlError) {
      problems.push(`${at(yamlError.pos[0])}: YAML: ${yamlError.message.split('\n')[0]}`);
      continue;
    }
    let raw: unknown;
    try {
      raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch {
      // The yaml package throws a ReferenceError past maxAliasCount.
      problems.push(
        `${at(doc.range[0])}: YAML: aliases expand too far (more than ${MAX_ALIAS_COUNT}; ` +
          'an alias bomb?); write the values out instead of *aliasing them',
      );
      continue;
    }
    if (raw === null || raw === undefined) continue; // an empty document (e.g. after a trailing ---)
    sources.push({ file, doc, lines, raw });
  }
  return sources;
}
