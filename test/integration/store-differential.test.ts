// One engine, two stores: on random streams of steps — every detector kind, several
// actors, late events, redeliveries, batch cuts, confirmations — the memory store and
// the Redis store return identical results.
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MemoryWindowStore } from '../../src/window/memory-store.js';
import { RedisWindowStore } from '../../src/window/redis-store.js';
import { uniqueName } from '../support/kafka.js';
import {
  draftArbitrary,
  expectSameAsMemoryStore,
  forwardDistinctStreams,
  longCallSequenceStreams,
  longSequenceStreams,
  runStore,
  type Draft,
} from '../support/store-differential.js';

const redis = new Redis(inject('redisUrl'), { enableAutoPipelining: true });
afterAll(() => redis.disconnect());
/** A Redis store of its own (a fresh key secret: no state of another test). */
const redisStore = () => new RedisWindowStore(redis, uniqueName('differential-secret-0123456789'));

describe('memory and Redis stores', () => {
  it('give identical results on random streams', async () => {
    await expectSameAsMemoryStore(redisStore, 60);
  });

  it('give identical distinct readings as buckets die one by one', async () => {
    await expectSameAsMemoryStore(redisStore, 60, forwardDistinctStreams);
  });

  it('give identical sequence readings and claims when recent ids are many and lockouts frequent', async () => {
    await expectSameAsMemoryStore(redisStore, 60, longSequenceStreams);
  });

  it('give identical sequence readings when one call applies dozens of steps to a window', async () => {
    await expectSameAsMemoryStore(redisStore, 60, longCallSequenceStreams);
  });

  it('count a distinct window again when a late bucket older than every counted one dies', async () => {
    // Buckets of 6 s (the stream starts 2 s into one): bit 1 in bucket 5, a late bit 2
    // in bucket 3, then bucket 3 dies while bucket 5 lives: bit 2 leaves the union.
    const step = (dt: number, value: number): Draft => ({
      actor: '192.0.2.1',
      kind: 'distinct',
      dt,
      value,
      redeliver: false,
      cutAfter: false,
      confirm: false,
      lift: null,
      grace: 0,
    });
    const drafts = [step(30_000, 1), step(-10_000, 2), step(60_000, 3)];
    const memory = await runStore(new MemoryWindowStore(), drafts);
    expect(JSON.stringify(memory)).toContain('"reading":[2]');
    const store = redisStore();
    expect(await runStore(store, drafts)).toEqual(memory);
  });

  it("see lockouts, redeliveries, lifts' grace and close ids (route windows too) on such streams, so the comparison covers them", async () => {
    const drafts = fc.sample(fc.array(draftArbitrary, { minLength: 150, maxLength: 150 }), {
      numRuns: 5,
      seed: 2,
    });
    const text = JSON.stringify(
      await Promise.all(drafts.map((d) => runStore(new MemoryWindowStore(), d))),
    );
    expect(text).toContain('"granted":true');
    expect(text).toContain('"granted":false');
    expect(text).toContain('"applied":false');
    expect(text).toContain('"grace":true');
    // A sequence's third figure: this id was close.
    expect(text).toMatch(/"reading":\[\d+,\d+,1\]/);
  });
});
