// The recent ids of sequence windows that outgrew the 8 their slot holds
// (window-arena.ts), in blocks of Float64Array pages with a free list: no JavaScript
// array per window. After 20 million lines of the bench log some 330,000 windows held
// such lists (JavaScript arrays of up to 64 ids, and a Map entry each), the one state
// that still grew with the log (issue 16). Most hold a dozen ids, so the blocks come in
// two sizes: 16 ids, then the rule's `recentIds` (64 by default) once a list outgrows 16.

/** Blocks per page: a page is never copied as the blocks grow. */
const PAGE_BITS = 10;
const PAGE_BLOCKS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_BLOCKS - 1;

/** Fixed-size blocks of numbers, by block number, reused through a free list. */
export class IdBlocks {
  private readonly pages: Float64Array[] = [];
  private readonly freed: number[] = [];
  private next = 0;

  constructor(readonly capacity: number) {}

  /** A block off the free list or a new one, as it was left (the caller fills it). */
  alloc(): number {
    const block = this.freed.length > 0 ? this.freed.pop()! : this.next++;
    if (block >>> PAGE_BITS >= this.pages.length)
      this.pages.push(new Float64Array(PAGE_BLOCKS * this.capacity));
    return block;
  }

  free(block: number): void {
    this.freed.push(block);
  }

  /** The page that holds the block. */
  page(block: number): Float64Array {
    return this.pages[block >>> PAGE_BITS]!;
  }

  /** Where the block starts in its page. */
  base(block: number): number {
    return (block & PAGE_MASK) * this.capacity;
  }
}
