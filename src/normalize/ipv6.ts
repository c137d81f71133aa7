// IPv6 text ⇄ eight 16-bit groups, per RFC 4291 §2.2 (parsing) and RFC 5952
// (canonical text: lowercase, no leading zeros, the longest run of two or more
// zero groups, the first on a tie, written "::"). Plain arrays of numbers,
// not BigInt or typed arrays: they are the cheapest to build per event.
import { parseIpv4 } from './ipv4.js';

/** An IPv6 address as eight 16-bit groups, most significant first. */
export type Ipv6Groups = readonly number[];

const GROUPS = 8;
const MAX_GROUP_DIGITS = 4;
const COLON = 0x3a;
const DOT = 0x2e;

/** The groups of a plain IPv6 address (no brackets, no zone), or undefined. One pass. */
export function parseIpv6(text: string): Ipv6Groups | undefined {
  const groups: number[] = [];
  let gap = -1; // how many groups precede "::"; -1 while none has been seen
  let groupStart = 0;
  // Runs one step past the end, where a virtual ":" closes the last group.
  for (let i = 0; i <= text.length && groups.length <= GROUPS; i++) {
    const code = i < text.length ? text.charCodeAt(i) : COLON;
    if (code === DOT) return withIpv4Tail(groups, gap, text, groupStart);
    if (code !== COLON) {
      if (hexDigit(code) < 0 || i - groupStart >= MAX_GROUP_DIGITS) return undefined;
      continue;
    }
    const isGap = i + 1 < text.length && text.charCodeAt(i + 1) === COLON;
    if (i > groupStart) groups.push(parseGroup(text, groupStart, i));
    else if (!isEmptyGroupAllowed(text, i, isGap)) return undefined;
    if (isGap) {
      if (gap !== -1) return undefined; // a second "::"
      gap = groups.length;
      i++;
    }
    groupStart = i + 1;
  }
  return expandGap(groups, gap);
}

/** An empty group is legal only before a leading "::" or after a trailing one. */
function isEmptyGroupAllowed(text: string, colonIndex: number, isGap: boolean): boolean {
  if (colonIndex === 0) return isGap;
  return colonIndex === text.length && text.endsWith('::');
}

function parseGroup(text: string, start: number, end: number): number {
  let group = 0;
  for (let i = start; i < end; i++) group = group * 16 + hexDigit(text.charCodeAt(i));
  return group;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** Finishes an address whose last 32 bits are written as dotted IPv4 (`::ffff:1.2.3.4`). */
function withIpv4Tail(groups: number[], gap: number, text: string, start: number) {
  const value = parseIpv4(text, start);
  if (value === undefined) return undefined;
  groups.push(value >>> 16, value & 0xffff);
  return expandGap(groups, gap);
}

/** The eight groups, with the "::" gap filled by zeros; undefined if the count is wrong. */
function expandGap(groups: number[], gap: number): Ipv6Groups | undefined {
  if (gap === -1) return groups.length === GROUPS ? groups : undefined;
  // "::" stands for at least one zero group (RFC 4291 allows "1:2:3:4:5:6:7::").
  if (groups.length >= GROUPS) return undefined;
  const zeros = new Array<number>(GROUPS - groups.length).fill(0);
  groups.splice(gap, 0, ...zeros);
  return groups;
}

/** RFC 5952 canonical text. */
export function formatIpv6(groups: Ipv6Groups): string {
  const [gapStart, gapLength] = longestZeroRun(groups);
  let text = '';
  for (let i = 0; i < GROUPS; i++) {
    if (i === gapStart) {
      text += i === 0 ? '::' : ':';
      i += gapLength - 1;
    } else text += (groups[i] ?? 0).toString(16) + (i < GROUPS - 1 ? ':' : '');
  }
  return text;
}

/** Start and length of the first longest run of >= 2 zero groups; [-1, 0] if none. */
function longestZeroRun(groups: Ipv6Groups): [number, number] {
  let best: [number, number] = [-1, 0];
  for (let i = 0; i < GROUPS;) {
    let end = i;
    while (end < GROUPS && groups[end] === 0) end++;
    if (end - i >= 2 && end - i > best[1]) best = [i, end - i];
    i = end === i ? i + 1 : end;
  }
  return best;
}

/** The mask of the `index`-th group under a prefix length 0–128. */
export function groupMask(index: number, prefixLength: number): number {
  const bits = Math.min(16, Math.max(0, prefixLength - index * 16));
  return bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
}

/** A copy of the groups with every bit past `prefixLength` (0–128) cleared. */
export function maskIpv6(groups: Ipv6Groups, prefixLength: number): Ipv6Groups {
  return groups.map((group, index) => group & groupMask(index, prefixLength));
}
