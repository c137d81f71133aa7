// A guard in front of JSON.parse. V8's parser slows down more than linearly with nesting:
// measured on this machine, 1 MiB of `[` takes 550-930 ms to refuse, 1 MiB of nested
// objects 100 ms, while 1 MiB of flat JSON takes 13 ms. An access event nests four
// levels at most (ECS), so a record nested deeper is refused after one linear scan.

/** Deeper than any event (ECS: http.response.body.bytes is 4); room for producers' extras. */
export const MAX_JSON_DEPTH = 32;

/** Records shorter than this cannot nest deep enough to cost anything: not scanned. */
const SCAN_FROM_CHARS = 4096;

/** True if `text`, read as JSON, nests objects and arrays at most MAX_JSON_DEPTH deep. */
export function jsonDepthWithin(text: string): boolean {
  if (text.length < SCAN_FROM_CHARS) return true;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > MAX_JSON_DEPTH) return false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return true;
}
