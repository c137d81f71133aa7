// Durations ("90s", "10m", "6h", "7d") and sizes ("512KB", "20MB") as rule files
// write them. Parsed by scanning characters: rule text is operator input, but a
// linear parser keeps the no-backtracking rule simple to check.

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

function splitNumberAndUnit(text: string): { value: number; unit: string } | undefined {
  const trimmed = text.trim();
  let end = 0;
  while (
    end < trimmed.length &&
    ((trimmed[end]! >= '0' && trimmed[end]! <= '9') || trimmed[end] === '.')
  ) {
    end += 1;
  }
  if (end === 0) return undefined;
  const value = Number(trimmed.slice(0, end));
  if (!Number.isFinite(value)) return undefined;
  return { value, unit: trimmed.slice(end).trim().toLowerCase() };
}

/** Milliseconds, or undefined when the text is not a duration. A bare number is seconds. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined;
  const parts = splitNumberAndUnit(text);
  if (!parts) return undefined;
  const factor = parts.unit === '' ? 1000 : DURATION_UNITS[parts.unit];
  return factor === undefined ? undefined : Math.round(parts.value * factor);
}

/** Bytes, or undefined when the text is not a size. A bare number is bytes. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const parts = splitNumberAndUnit(text);
  if (!parts) return undefined;
  const factor = parts.unit === '' ? 1 : SIZE_UNITS[parts.unit];
  return factor === undefined ? undefined : Math.round(parts.value * factor);
}

/** `value` in the largest unit of `units` (largest first) that divides it evenly. */
function inLargestEvenUnit(
  value: number,
  units: readonly (readonly [string, number])[],
  smallest: string,
): string {
  for (const [unit, factor] of units) {
    if (value >= factor && value % factor === 0) return `${value / factor}${unit}`;
  }
  return `${value}${smallest}`;
}

/** "600000" ms → "10m": the largest unit that divides evenly, for reasons and tables. */
export function formatDuration(ms: number): string {
  return inLargestEvenUnit(
    ms,
    [
      ['d', 86_400_000],
      ['h', 3_600_000],
      ['m', 60_000],
      ['s', 1000],
    ],
    'ms',
  );
}

/** 20 MiB → "20MB": a size as rule files write it (parseSize reads it back exactly). */
export function formatSize(bytes: number): string {
  return inLargestEvenUnit(
    bytes,
    [
      ['GB', 1024 ** 3],
      ['MB', 1024 ** 2],
      ['KB', 1024],
    ],
    'B',
  );
}

/** "20.7 MB": a measured amount, rounded, for evidence and reasons. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}
