// Merging actors' streams into the one event-time-ordered stream the engine needs
// (windows slide on `ts`; the memory store treats an event older than its window as
// late). Lazy, so a simulation of many hours need not hold every event at once.
import type { AccessEvent } from '../event/index.js';

/**
 * Merges streams that are each in time order into one, in time order. Equal times
 * keep the order of the streams as given, so the result is deterministic. O(k) per
 * event for k streams: scenarios merge tens of actors, not thousands.
 */
export function* mergeByTime(streams: readonly Iterable<AccessEvent>[]): Generator<AccessEvent> {
  const iterators = streams.map((stream) => stream[Symbol.iterator]());
  const heads = iterators.map((iterator) => iterator.next());
  for (;;) {
    let first = -1;
    heads.forEach((head, i) => {
      if (head.done) return;
      const best = first === -1 ? undefined : heads[first];
      if (best === undefined || best.done || head.value.ts < best.value.ts) first = i;
    });
    if (first === -1) return;
    const head = heads[first]!;
    if (head.done) return;
    yield head.value;
    heads[first] = iterators[first]!.next();
  }
}

/** A copy sorted by time, stable: for inputs out of order, such as a real log. */
export function sortedByTime(events: readonly AccessEvent[]): AccessEvent[] {
  return [...events].sort((a, b) => a.ts - b.ts);
}

/** Groups a stream into arrays of up to `size`, for `DetectionPipeline.process`. */
export function* inBatches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
