// IPv4 dotted-quad text ⇄ a 32-bit unsigned number.
//
// Strict on purpose: exactly four decimal parts of 0–255 without leading zeros.
// inet_aton would read "010.1.1.1" as octal and "1.1" as 1.0.0.1; accepting such
// spellings would give one client several actor keys. (Node's net.isIPv4 is as
// strict.) A consequence used by actorIp: valid text is already canonical.

const DOT = 0x2e;
const ZERO = 0x30;
const MAX_PART_DIGITS = 3;

/** The address as an unsigned 32-bit number, or undefined if `text[start, end)` is not one. */
export function parseIpv4(text: string, start = 0, end = text.length): number | undefined {
  let value = 0;
  let parts = 0;
  let partStart = start;
  for (let i = start; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== DOT) continue;
    const part = parsePart(text, partStart, i);
    if (part === undefined || ++parts > 4) return undefined;
    value = value * 256 + part;
    partStart = i + 1;
  }
  return parts === 4 ? value : undefined;
}

/** One decimal part, 0–255, without leading zeros. */
function parsePart(text: string, start: number, end: number): number | undefined {
  const length = end - start;
  if (length < 1 || length > MAX_PART_DIGITS) return undefined;
  if (length > 1 && text.charCodeAt(start) === ZERO) return undefined;
  let part = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return undefined;
    part = part * 10 + digit;
  }
  return part <= 255 ? part : undefined;
}

/** Dotted-quad text of an unsigned 32-bit address. */
export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** The network mask of a prefix length 0–32, as an unsigned 32-bit number. */
export function ipv4Mask(prefixLength: number): number {
  // A shift by 32 is a shift by 0 in JavaScript, hence the special case.
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}
