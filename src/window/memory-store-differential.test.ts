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
  runStore,
} from '../../test/support/store-differential.js';
import { MemoryWindowStore } from './memory-store.js';

describeDifferential('the memory store', () => new MemoryWindowStore(), 300);

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
