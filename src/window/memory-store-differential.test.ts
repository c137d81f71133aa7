// The memory store against the reference store (test/support/reference-memory-store.ts:
// the same readings by independent window arithmetic), on the random streams the Redis
// store is held to in test/integration/store-differential.test.ts. Both shipped stores
// work their windows with flat-window.ts; the reference is what can catch a mistake there.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReferenceWindowStore } from '../../test/support/reference-memory-store.js';
import {
  describeDifferential,
  draftArbitrary,
  expectSameAsReference,
  forwardDistinctStreams,
  routeSpreadStreams,
  runStore,
  type Draft,
} from '../../test/support/store-differential.js';
import { MemoryWindowStore } from './memory-store.js';

describeDifferential('the memory store', () => new MemoryWindowStore(), 300);

describe('the memory store, sweeping often, against the reference store', () => {
  // The sweep drops, between batches, the windows that the newest event time has left
  // behind; here it runs after every batch. Event time only moves forward, as replay's
  // reorder buffer releases it: a step older than the newest (a redelivery, an event
  // later than the buffer holds) may find its window swept where the reference still
  // counts it (the sweep keeps no margin).
  const inOrder = (streams: fc.Arbitrary<Draft[]>) =>
    streams.map((drafts) => drafts.map((d) => ({ ...d, dt: Math.abs(d.dt), redeliver: false })));
  const sweeping = () => new MemoryWindowStore({ sweepEveryBatch: true });
  it.each([
    ['random streams', fc.array(draftArbitrary, { minLength: 1, maxLength: 150 })],
    ['distinct windows whose buckets die one by one', forwardDistinctStreams],
    ["an actor's windows of a rule over routes that expire apart", routeSpreadStreams],
  ])('loses nothing live: %s', async (_, streams) => {
    await expectSameAsReference(sweeping, 200, inOrder(streams));
  });
});

describe('the differential streams', () => {
  it("see lockouts, redeliveries, lifts' grace and close ids (route windows too), so the comparison covers them", async () => {
    const drafts = fc.sample(fc.array(draftArbitrary, { minLength: 150, maxLength: 150 }), {
      numRuns: 5,
      seed: 2,
    });
    const text = JSON.stringify(
      await Promise.all(drafts.map((d) => runStore(new ReferenceWindowStore(), d))),
    );
    expect(text).toContain('"granted":true');
    expect(text).toContain('"granted":false');
    expect(text).toContain('"applied":false');
    expect(text).toContain('"grace":true');
    // A sequence's third figure: this id was close.
    expect(text).toMatch(/"reading":\[\d+,\d+,1\]/);
  });
});
