// Puts events back into event-time order within a bounded delay: real logs are
// only roughly ordered (one shipped sample shuffles seconds within each minute).
// An event is released once an event `maxDelayMs` newer has been seen; one that
// arrives later than that is released at once and counted as late. Memory is
// bounded by the events of one delay's span (and at most `maxHeld` events), not by
// the size of the log.

interface Pending<T> {
  readonly ts: number;
  readonly seq: number;
  readonly item: T;
}

export class ReorderBuffer<T> {
  private readonly heap: Pending<T>[] = [];
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

  /** Adds an event; returns the events now due, in time order. */
  push(ts: number, item: T): T[] {
    if (ts < this.released) this.late += 1;
    this.insert({ ts, seq: this.seq++, item });
    if (ts > this.newest) this.newest = ts;
    const due = this.drainUntil(this.newest - this.maxDelayMs);
    while (this.heap.length > this.maxHeld) due.push(this.release());
    return due;
  }

  /** Everything still held, in time order. */
  flush(): T[] {
    return this.drainUntil(Number.POSITIVE_INFINITY);
  }

  private drainUntil(limit: number): T[] {
    const due: T[] = [];
    while (this.heap.length > 0 && this.heap[0]!.ts <= limit) due.push(this.release());
    return due;
  }

  private release(): T {
    const next = this.pop();
    if (next.ts > this.released) this.released = next.ts;
    return next.item;
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
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): Pending<T> {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}
