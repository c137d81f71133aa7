// The state of one window in bench/lean-store.ts: a ring of buckets in plain arrays,
// the recent ids of an enumeration window, the bitmaps of a distinct window in one
// typed array with their union kept beside them.

export type Reading = readonly number[];
export interface WindowShape {
  readonly windowMs: number;
  readonly bucketMs: number;
}
export interface Key {
  readonly rule: string;
  readonly scope: string;
  readonly subject: string;
  readonly route?: string;
}
export type Observation =
  | { kind: 'counter'; key: Key; ts: number; window: WindowShape; add: readonly number[] }
  | { kind: 'distinct'; key: Key; ts: number; window: WindowShape; bit: number; bits: number }
  | {
      kind: 'sequence';
      key: Key;
      ts: number;
      window: WindowShape;
      id: number;
      maxGap: number;
      recentIds: number;
    };

/** A ring of `slots` buckets: bucket index per slot, `figures` sums per slot. */
export class Ring {
  readonly indexes: number[];
  readonly values: number[];

  constructor(
    readonly slots: number,
    readonly figures: number,
  ) {
    this.indexes = new Array<number>(slots).fill(Number.NEGATIVE_INFINITY);
    this.values = new Array<number>(slots * figures).fill(0);
  }

  add(bucket: number, figure: number, amount: number): void {
    const slot = ((bucket % this.slots) + this.slots) % this.slots;
    if (this.indexes[slot] !== bucket) {
      this.indexes[slot] = bucket;
      this.values.fill(0, slot * this.figures, (slot + 1) * this.figures);
    }
    this.values[slot * this.figures + figure]! += amount;
  }

  sums(head: number): number[] {
    const totals = new Array<number>(this.figures).fill(0);
    const oldest = head - this.slots + 1;
    for (let slot = 0; slot < this.slots; slot += 1) {
      if (this.indexes[slot]! < oldest) continue;
      for (let f = 0; f < this.figures; f += 1) totals[f]! += this.values[slot * this.figures + f]!;
    }
    return totals;
  }
}

export interface Window {
  kind: Observation['kind'];
  head: number;
  slots: number;
  bucketMs: number;
  windowMs: number;
  expiresAt: number;
  ring: Ring | undefined;
  recent: number[] | undefined;
  /** Distinct: `slots` bitmaps then the union, 32 bits a word. */
  bitmaps: Int32Array | undefined;
  bitmapBuckets: number[] | undefined;
  unionBits: number;
  unionOldest: number;
}

function popcount32(word: number): number {
  let v = word - ((word >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

export function newWindow(o: Observation): Window {
  const slots = Math.ceil(o.window.windowMs / o.window.bucketMs);
  const w: Window = {
    kind: o.kind,
    head: Number.NEGATIVE_INFINITY,
    slots,
    bucketMs: o.window.bucketMs,
    windowMs: o.window.windowMs,
    expiresAt: 0,
    ring: undefined,
    recent: undefined,
    bitmaps: undefined,
    bitmapBuckets: undefined,
    unionBits: 0,
    unionOldest: Number.NEGATIVE_INFINITY,
  };
  if (o.kind === 'counter') w.ring = new Ring(slots, o.add.length);
  else if (o.kind === 'sequence') {
    // Figures: close ids, requests (since 638d6de).
    w.ring = new Ring(slots, 2);
    w.recent = [];
  } else {
    const words = Math.ceil(o.bits / 32);
    w.bitmaps = new Int32Array((slots + 1) * words);
    w.bitmapBuckets = new Array<number>(slots).fill(Number.NEGATIVE_INFINITY);
  }
  return w;
}

/** The state of a new window, in the same objects and arrays. */
export function resetWindow(w: Window): void {
  w.head = Number.NEGATIVE_INFINITY;
  w.expiresAt = 0;
  if (w.kind === 'counter') {
    w.ring!.indexes.fill(Number.NEGATIVE_INFINITY);
    w.ring!.values.fill(0);
  } else if (w.kind === 'sequence') {
    w.recent!.length = 0;
    w.ring!.indexes.fill(Number.NEGATIVE_INFINITY);
    w.ring!.values.fill(0);
  } else {
    w.bitmaps!.fill(0);
    w.bitmapBuckets!.fill(Number.NEGATIVE_INFINITY);
    w.unionBits = 0;
    w.unionOldest = Number.NEGATIVE_INFINITY;
  }
}

/** The union of the live bitmaps (buckets from `oldest` on) and its count of bits. */
export function rebuildUnion(w: Window, oldest: number): void {
  const maps = w.bitmaps!;
  const words = maps.length / (w.slots + 1);
  const union = w.slots * words;
  maps.fill(0, union);
  w.bitmapBuckets!.forEach((b, slot) => {
    if (b < oldest) return;
    for (let i = 0; i < words; i += 1) maps[union + i]! |= maps[slot * words + i]!;
  });
  let bits = 0;
  for (let i = 0; i < words; i += 1) bits += popcount32(maps[union + i]!);
  w.unionBits = bits;
}
