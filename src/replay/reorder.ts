// Puts events back into event-time order within a bounded delay: real logs are
// only roughly ordered (one shipped sample shuffles seconds within each minute).
// An event is released once an event `maxDelayMs` newer has been seen; one that
// arrives later than that is released at once and counted as late. Memory is
// bounded by the events of one delay's span (and at most `maxHeld` events), not by
// the size of the log.
//
// Most lines of a log come in order: those go to the back of a queue (three parallel
// arrays, no object per event); only an event older than the queue's newest goes into a
// heap. The next event released is the older head of the two, (time, arrival) ordered,
// so the order is the one a single heap of every event gives.

interface Pending<T> {
  readonly ts: number;
  readonly seq: number;
  readonly item: T;
}

export class ReorderBuffer<T> {
  private readonly heap: Pending<T>[] = [];
  /** Events that came in order: [head, length) of these arrays, oldest first. */
  private queueTs: number[] = [];
  private queueSeq: number[] = [];
  private queueItems: T[] = [];
  private head = 0;
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
    const queued = this.queueTs.length;
    if (queued === this.head || ts >= this.queueTs[queued - 1]!) {
      this.queueTs.push(ts);
      this.queueSeq.push(this.seq++);
      this.queueItems.push(item);
    } else {
      this.insert({ ts, seq: this.seq++, item });
    }
    if (ts > this.newest) this.newest = ts;
    const due = this.drainUntil(this.newest - this.maxDelayMs);
    while (this.held > this.maxHeld) due.push(this.release());
    return due;
  }

  /** Events held. */
  get held(): number {
    return this.heap.length + this.queueTs.length - this.head;
  }

  /** Everything still held, in time order. */
  flush(): T[] {
    return this.drainUntil(Number.POSITIVE_INFINITY);
  }

  private drainUntil(limit: number): T[] {
    const due: T[] = [];
    for (;;) {
      const queued = this.head < this.queueTs.length;
      const heaped = this.heap.length > 0;
      if (!queued && !heaped) break;
      const oldest =
        queued && heaped
          ? Math.min(this.queueTs[this.head]!, this.heap[0]!.ts)
          : queued
            ? this.queueTs[this.head]!
            : this.heap[0]!.ts;
      if (oldest > limit) break;
      due.push(this.release());
    }
    return due;
  }

  /** The next event in (time, arrival) order, from the queue's head or the heap's top. */
  private release(): T {
    const { heap, head } = this;
    let ts: number;
    let item: T;
    const queued = head < this.queueTs.length;
    const top = heap[0];
    const fromQueue =
      queued &&
      (top === undefined ||
        this.queueTs[head]! < top.ts ||
        (this.queueTs[head] === top.ts && this.queueSeq[head]! < top.seq));
    if (fromQueue) {
      ts = this.queueTs[head]!;
      item = this.queueItems[head]!;
      this.queueItems[head] = undefined as T; // let the event go
      this.head = head + 1;
      this.compactQueue();
    } else {
      const next = this.pop();
      ts = next.ts;
      item = next.item;
    }
    if (ts > this.released) this.released = ts;
    return item;
  }

  /** Drops the released front of the queue once it is most of it (amortised O(1)). */
  private compactQueue(): void {
    const { head } = this;
    if (head === this.queueTs.length) {
      this.queueTs = [];
      this.queueSeq = [];
      this.queueItems = [];
      this.head = 0;
    } else if (head >= 4096 && head * 2 >= this.queueTs.length) {
      this.queueTs = this.queueTs.slice(head);
      this.queueSeq = this.queueSeq.slice(head);
      this.queueItems = this.queueItems.slice(head);
      this.head = 0;
    }
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
