// The distinct object ids of a route as ranges where they are consecutive:
// 1041…1120 is one line of a notice, not eighty. An id's number is its LAST group of
// digits, as the normalize stage reads business keys (`INV-2026-000123` is 123 of
// `INV-2026-`); ids with the same text around that group and the same padding
// (`000123`, `000124`, … `001000`: six digits) run together. Ids without digits, or
// with a group too long for an exact number, stand alone. Single scans over char
// codes: no regular expression runs on the ids, which come from the attacker.

export interface IdRange {
  /** The first and last id of the run, as served (`first === last` for a lone id). */
  readonly first: string;
  readonly last: string;
  /** Ids in the run: last − first + 1 for a numeric run. */
  readonly count: number;
}

interface NumberedId {
  readonly id: string;
  /** The text before and after the last digit group. */
  readonly head: string;
  readonly tail: string;
  readonly value: number;
  /** Digit count when zero-padded (`0042`: 4), 0 when written plainly. */
  readonly width: number;
}

/** Longest digit group read as a number: 15 digits are always exact in a double. */
const MAX_DIGITS = 15;

/**
 * `ids` in report order: those with a number by their text around it, then by number;
 * then those without, by text. The CSV lists them in this order, the ranges follow it.
 */
export function orderIds(ids: Iterable<string>): string[] {
  const { numbered, lone } = split(ids);
  return [...numbered.map((n) => n.id), ...lone];
}

/** `ids` as ranges, in report order. */
export function idRanges(ids: Iterable<string>): IdRange[] {
  const { numbered, lone } = split(ids);
  const ranges: IdRange[] = [];
  let run: { start: NumberedId; end: NumberedId; count: number } | undefined;
  for (const next of numbered) {
    if (run && follows(run.start, run.end, next)) {
      run.end = next;
      run.count += 1;
      continue;
    }
    if (run) ranges.push({ first: run.start.id, last: run.end.id, count: run.count });
    run = { start: next, end: next, count: 1 };
  }
  if (run) ranges.push({ first: run.start.id, last: run.end.id, count: run.count });
  for (const id of lone) ranges.push({ first: id, last: id, count: 1 });
  return ranges;
}

function split(ids: Iterable<string>): { numbered: NumberedId[]; lone: string[] } {
  const numbered: NumberedId[] = [];
  const lone: string[] = [];
  for (const id of ids) {
    const read = numberedId(id);
    if (read) numbered.push(read);
    else lone.push(id);
  }
  numbered.sort(byFamilyThenNumber);
  lone.sort(compareText);
  return { numbered, lone };
}

function numberedId(id: string): NumberedId | undefined {
  let end = id.length;
  while (end > 0 && !isDigit(id.charCodeAt(end - 1))) end -= 1;
  if (end === 0) return undefined;
  let start = end;
  while (start > 0 && isDigit(id.charCodeAt(start - 1))) start -= 1;
  const digits = end - start;
  if (digits > MAX_DIGITS) return undefined;
  const padded = digits > 1 && id.charCodeAt(start) === 0x30;
  return {
    id,
    head: id.slice(0, start),
    tail: id.slice(end),
    value: Number(id.slice(start, end)),
    width: padded ? digits : 0,
  };
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Whether `next` continues the run start…end: same family, the next number, written alike. */
function follows(start: NumberedId, end: NumberedId, next: NumberedId): boolean {
  if (next.head !== end.head || next.tail !== end.tail || next.value !== end.value + 1)
    return false;
  // A padded run keeps its width when the number outgrows the zeros (0999 → 1000).
  const width = start.width;
  const digits = next.id.length - next.head.length - next.tail.length;
  return width === 0 ? next.width === 0 : digits === width;
}

function byFamilyThenNumber(a: NumberedId, b: NumberedId): number {
  return (
    compareText(a.head, b.head) ||
    compareText(a.tail, b.tail) ||
    a.value - b.value ||
    compareText(a.id, b.id)
  );
}

/** Code-unit order: the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
