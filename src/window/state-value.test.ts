import { describe, expect, it } from 'vitest';
import type { WindowSpec } from './flat-window.js';
import { Writer } from './msgpack-writer.js';
import { ActorStateValue } from './state-value.js';

const COUNTER: WindowSpec = { kind: 'c', windowMs: 60_000, bucketMs: 6_000, p1: 1, p2: 0, p3: 0 };
const NOW = 1_765_000_000_000;

/** The value `state` writes (the commit's bytes), or null when it would delete it. */
function written(state: ActorStateValue): Buffer | null {
  const w = new Writer(64);
  return state.encode(w) === null ? null : w.done();
}

describe('an actor state value', () => {
  it('keeps every window of an actor with many (past the field index), in order', () => {
    const state = new ActorStateValue(null, NOW);
    const fields = Array.from({ length: 40 }, (_, i) => `field-${i}`);
    for (const field of fields) state.observe(field, COUNTER, NOW, [1]);
    for (const field of fields) expect(state.observe(field, COUNTER, NOW, [2])).toEqual([3]);
    const again = new ActorStateValue(written(state), NOW + 1_000);
    for (const field of fields) expect(again.peek(field, COUNTER, NOW, [0])).toEqual([3]);
    expect(again.peek('field-none', COUNTER, NOW, [0])).toEqual([0]);
  });

  it('drops a window past its deadline (wall clock), and is deleted when nothing is live', () => {
    const state = new ActorStateValue(null, NOW);
    state.observe('a', COUNTER, NOW, [5]);
    const bytes = written(state);
    // The window's deadline: now + window + bucket.
    const later = new ActorStateValue(bytes, NOW + 66_001);
    expect(later.peek('a', COUNTER, NOW, [0])).toEqual([0]);
    expect(written(later)).toBeNull();
  });

  it('remembers applied positions of several streams, and the outbox marker until it lapses', () => {
    const state = new ActorStateValue(null, NOW);
    state.applying('logs:0', 7);
    state.applying('logs:1', 3);
    state.applying('logs:0', 9);
    state.observe('a', COUNTER, NOW, [1]);
    state.outboxUntil = NOW + 1_000;
    const again = new ActorStateValue(written(state), NOW);
    expect(again.appliedOffset('logs:0')).toBe(9);
    expect(again.appliedOffset('logs:1')).toBe(3);
    expect(again.readOutbox).toBe(true);
    const lapsed = new ActorStateValue(written(again), NOW + 2_000);
    lapsed.dirty = true;
    expect(new ActorStateValue(written(lapsed), NOW + 2_000).readOutbox).toBe(false);
  });
});
