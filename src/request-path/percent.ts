// Percent-decoding that cannot throw. decodeURIComponent throws URIError on
// "%zz" or on escapes that are not valid UTF-8, and a log line is attacker
// text, so a throw per hostile request would be both a crash risk and a cost.

const PERCENT = 0x25;
const PLUS = 0x2b;
const SPACE = 0x20;

/** Value of one hex digit (char code), or -1 when it is not one (NaN included). */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

/**
 * Decodes `%XX` escapes (and `+` as a space when `plusAsSpace`, as in form-encoded
 * query strings). Malformed escapes such as `%zz` or a trailing `%4` are kept as
 * text; escaped bytes that are not valid UTF-8 become U+FFFD. Never throws.
 * Text without escapes is returned as is, so the common case allocates nothing.
 */
export function decodePercent(text: string, plusAsSpace = false): string {
  const firstPercent = text.indexOf('%');
  if (firstPercent === -1) {
    return plusAsSpace && text.includes('+') ? text.replaceAll('+', ' ') : text;
  }
  return decodeAsciiEscapes(text, firstPercent, plusAsSpace) ?? decodeUtf8(text, plusAsSpace);
}

/**
 * The fast path, for text whose escapes are all ASCII (`%40`, `%2F`): built from
 * slices, about half the cost of a round trip through a Buffer. Undefined when an
 * escape is a byte of a multi-byte UTF-8 character, which needs the decoder.
 */
function decodeAsciiEscapes(text: string, from: number, plusAsSpace: boolean): string | undefined {
  let decoded = '';
  let copied = 0;
  for (let i = from; i !== -1; i = text.indexOf('%', i + 1)) {
    const high = hexValue(text.charCodeAt(i + 1));
    const low = hexValue(text.charCodeAt(i + 2));
    if (high < 0 || low < 0) continue; // malformed: kept as text
    const value = high * 16 + low;
    if (value >= 0x80) return undefined;
    decoded += plain(text.slice(copied, i), plusAsSpace) + String.fromCharCode(value);
    copied = i + 3;
    i += 2;
  }
  return decoded + plain(text.slice(copied), plusAsSpace);
}

function plain(text: string, plusAsSpace: boolean): string {
  return plusAsSpace ? text.replaceAll('+', ' ') : text;
}

/** The general path: escapes to bytes, then one UTF-8 decode of the whole text. */
function decodeUtf8(text: string, plusAsSpace: boolean): string {
  const bytes = Buffer.from(text, 'utf8');
  // Decoding only ever shortens the byte string, so it is rewritten in place.
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (byte === PERCENT && i + 2 < bytes.length) {
      const high = hexValue(bytes[i + 1] ?? 0);
      const low = hexValue(bytes[i + 2] ?? 0);
      if (high >= 0 && low >= 0) {
        bytes[length++] = high * 16 + low;
        i += 2;
        continue;
      }
    }
    bytes[length++] = plusAsSpace && byte === PLUS ? SPACE : byte;
  }
  // Buffer's UTF-8 decoder substitutes U+FFFD for invalid sequences instead of throwing.
  return bytes.toString('utf8', 0, length);
}
