// Field types of the rule files, as zod schemas with the messages operators read: a
// duration ("10m"), a size ("20MB"), a threshold (a count of at least 1). The rule
// schema (rules/) and each detector kind's own config (detect/) both use them, so
// they sit below both; a detector that needs a duration field takes it from here.
import { z } from 'zod';
import { parseDuration, parseSize } from './units.js';

/** Milliseconds between `minMs` and `maxMs`, written "30s", "10m", "6h" or as seconds. */
export function duration(minMs: number, maxMs: number) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration like "30s", "10m" or "6h", got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `must be between ${minMs} ms and ${maxMs} ms` });
      return z.NEVER;
    }
    return ms;
  });
}

/** Bytes, written "512KB" or "20MB" (or a number of bytes). */
export const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined || bytes <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a size like "512KB" or "20MB", got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return bytes;
});

export const threshold = z.number().int().min(1);
