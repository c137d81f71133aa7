// Puts events back into event-time order within a bounded delay: real logs are
// only roughly ordered (one shipped sample shuffles seconds within each minute).
// An event is released once an event `maxDelayMs` newer has been seen; one that
// arrives later than that is released at once and counted as late. Memory is
// bounded by the events of one delay's span (and at most `maxHeld` events), not by
// the size of the log.
//
// The events held are a queue in (time, arrival) order: a ring of two parallel arrays
// (times, events), no object per event. An event at or after the queue's newest goes to its
// back; one a little older (a log's usual disorder: the bench log's late events are a
// dozen places back) is slid into its place, at most MAX_SLIDE places from the back.
// Only an event further back goes into a heap, so a log made of late events costs a
// heap's log n per event, never a slide of the whole queue. The next event released
// is the older head of the two, (time, arrival) ordered: the order a single heap of
// every event gives.

interface Pending<T> {
  readonly ts: number;
  readonly seq: number;
  readonly item: T;
}

/** Places an event may be slid back into the queue; past them it goes into the heap. */
const MAX_SLIDE = 64;

/** The queue's first size (it doubles when full, and never shrinks: it is a delay's events). */
const FIRST_CAPACITY = 1024;

export class ReorderBuffer<T> {
  private readonly heap: Pending<T>[] = [];
  /** The queue: positions head … head + queued - 1 (modulo the capacity), oldest first. */
  private queueTs = new Float64Array(FIRST_CAPACITY);
  private queueItems: (T | undefined)[] = new Array<T | undefined>(FIRST_CAPACITY);
  private mask = FIRST_CAPACITY - 1;
  private head = 0;
  private queued = 0;
  private seq = 0;
  private newest = Number.NEGATIVE_INFINITY;
  private released = Number.NEGATIVE_INFINITY;
  /** Events that came after later events had already been released. */
  late = 0;

  /**
   * @param maxDelayMs how far out of order an event may come and still be put in place
   * @param maxHeld at most this many events are held: a dense log releases its oldest
   *   early rather than hold minutes of traffic in memory
   */
  constructor(
    private readonly maxDelayMs: number,
    private readonly maxHeld = 100_000,
  ) {}

  /**
   * Adds an event and appends the events now due to `due`, in time order (the caller's
   * batch: no array per event).
   */
  push(ts: number, item: T, due: T[]): void {
    if (ts < this.released) this.late += 1;
    const seq = this.seq++;
    if (!this.enqueue(ts, item)) this.insert({ ts, seq, item });
    if (ts > this.newest) this.newest = ts;
    this.drainUntil(this.newest - this.maxDelayMs, due);
    while (this.held > this.maxHeld) due.push(this.release());
  }

  /** Events held. */
  get held(): number {
    return this.heap.length + this.queued;
  }

  /** Everything still held, in time order. */
  flush(): T[] {
    const due: T[] = [];
    this.drainUntil(Number.POSITIVE_INFINITY, due);
    return due;
  }

  /**
   * The event into its place in the queue, if that is at most MAX_SLIDE places from the
   * back (after every event of its time: it arrived last); false if it is further back.
   */
  private enqueue(ts: number, item: T): boolean {
    if (this.queued === this.queueItems.length) this.grow();
    const { queueTs, queueItems, mask, head } = this;
    let place = this.queued;
    while (place > 0 && queueTs[(head + place - 1) & mask]! > ts) {
      if (this.queued - place === MAX_SLIDE) return false;
      place -= 1;
    }
    for (let at = this.queued; at > place; at -= 1) {
      const to = (head + at) & mask;
      const from = (head + at - 1) & mask;
      queueTs[to] = queueTs[from]!;
      queueItems[to] = queueItems[from];
    }
    const at = (head + place) & mask;
    queueTs[at] = ts;
    queueItems[at] = item;
    this.queued += 1;
    return true;
  }

  /** Twice the room, the queue copied to the front of it in order. */
  private grow(): void {
    const capacity = this.queueItems.length * 2;
    const ts = new Float64Array(capacity);
    const items = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.queued; i += 1) {
      const from = (this.head + i) & this.mask;
      ts[i] = this.queueTs[from]!;
      items[i] = this.queueItems[from];
    }
    this.queueTs = ts;
    this.queueItems = items;
    this.mask = capacity - 1;
    this.head = 0;
  }

  private drainUntil(limit: number, due: T[]): void {
    for (;;) {
      const queued = this.queued > 0;
      const heaped = this.heap.length > 0;
      if (!queued && !heaped) return;
      const oldest =
        queued && heaped
          ? Math.min(this.queueTs[this.head]!, this.heap[0]!.ts)
          : queued
            ? this.queueTs[this.head]!
            : this.heap[0]!.ts;
      if (oldest > limit) return;
      due.push(this.release());
    }
  }

  /** The next event in (time, arrival) order, from the queue's head or the heap's top. */
  private release(): T {
    const { heap, head } = this;
    let ts: number;
    let item: T;
    const top = heap[0];
    // Of a queued and a heaped event of the same time, the queued one came first: the
    // heaped one found more than MAX_SLIDE newer events queued, which stay until it is
    // released, so any event of its time that came after it found them too.
    const fromQueue = this.queued > 0 && (top === undefined || this.queueTs[head]! <= top.ts);
    if (fromQueue) {
      ts = this.queueTs[head]!;
      item = this.queueItems[head]!;
      this.queueItems[head] = undefined; // let the event go
      this.head = (head + 1) & this.mask;
      this.queued -= 1;
    } else {
      const next = this.pop();
      ts = next.ts;
      item = next.item;
    }
    if (ts > this.released) this.released = ts;
    return item;
  }

  private before(a: Pending<T>, b: Pending<T>): boolean {
    return a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
  }

  private insert(entry: Pending<T>): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): Pending<T> {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    const length = heap.length;
    if (length === 0) return top;
    // The last entry sifted down from the root: each smaller child moves up one level.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.before(heap[right]!, heap[left]!) ? right : left;
      if (!this.before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
