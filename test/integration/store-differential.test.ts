// One engine, two stores: on random streams of steps — every detector kind, several
// actors, late events, redeliveries, batch cuts, confirmations — the Redis store returns
// the reference store's results (test/support/reference-memory-store.ts: independent
// window arithmetic). src/window/memory-store-differential.test.ts holds the memory
// store to the same reference, so the two shipped stores agree.
import { Redis } from 'ioredis';
import { afterAll, inject } from 'vitest';
import { RedisWindowStore } from '../../src/window/redis-store.js';
import { uniqueName } from '../support/kafka.js';
import { describeDifferential } from '../support/store-differential.js';

const redis = new Redis(inject('redisUrl'), { enableAutoPipelining: true });
afterAll(() => redis.disconnect());
/** A Redis store of its own (a fresh key secret: no state of another test). */
const redisStore = () => new RedisWindowStore(redis, uniqueName('differential-secret-0123456789'));

describeDifferential('the Redis store', redisStore, 60);
