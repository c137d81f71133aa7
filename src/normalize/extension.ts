// File extensions in paths: what marks a static asset, and the format suffix
// that some APIs put after an id (Rails-style `/users/1042.json`).

/** Images, scripts, styles, fonts, source maps and favicons: never object fetches. */
const STATIC_EXTENSIONS =
  'png jpg jpeg gif svg ico webp avif css js mjs map woff woff2 ttf otf eot';

const MAX_STATIC_EXTENSION_LENGTH = 5;
const MAX_SUFFIX_PART_LENGTH = 8;
const MAX_SUFFIX_PARTS = 2;

/**
 * An extension of up to five ASCII letters or digits packed into one number,
 * seven bits a character, letters folded to lowercase; -1 for anything else.
 * Packing lets the hot path look an extension up without slicing or lowercasing.
 */
function packExtension(text: string, start: number): number {
  if (text.length - start > MAX_STATIC_EXTENSION_LENGTH) return -1;
  let packed = 0;
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isAlphanumeric(code)) return -1;
    packed = packed * 128 + (code > 0x39 ? code | 0x20 : code);
  }
  return packed;
}

const STATIC_PACKED: ReadonlySet<number> = new Set(
  STATIC_EXTENSIONS.split(' ').map((extension) => packExtension(extension, 0)),
);

/** Whether the last path segment names a static asset, by its extension (any case). */
export function isStaticAsset(lastSegment: string): boolean {
  const dot = lastSegment.lastIndexOf('.');
  return dot !== -1 && STATIC_PACKED.has(packExtension(lastSegment, dot + 1));
}

function isAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a);
}

/**
 * Where a format suffix starts in a segment (the index of its first dot), or -1.
 * A suffix is one or two dot-separated parts of 1–8 ASCII letters or digits with
 * at least one letter: `.json`, `.tar.gz`, `.woff2`, but not the `.3` of `1.2.3`,
 * so version numbers stay whole.
 */
export function formatSuffixStart(segment: string): number {
  const dot = segment.indexOf('.');
  if (dot < 1) return -1;
  let parts = 1;
  let partLength = 0;
  let letters = 0;
  for (let i = dot + 1; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code === 0x2e) {
      if (partLength === 0 || ++parts > MAX_SUFFIX_PARTS) return -1;
      partLength = 0;
    } else if (isAlphanumeric(code) && ++partLength <= MAX_SUFFIX_PART_LENGTH) {
      if (code > 0x39) letters++;
    } else return -1;
  }
  return partLength > 0 && letters > 0 ? dot : -1;
}
