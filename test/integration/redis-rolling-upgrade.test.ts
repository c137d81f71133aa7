// A rolling upgrade: the version before the commit script (its apply script did the
// windows' arithmetic in Lua) and this version (arithmetic in Node, the commit script)
// serve one Redis together, each batch going to one or the other. The values keep one
// layout, so together they must give the reference store's results, as either alone does.
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisWindowStore } from '../../src/window/redis-store.js';
import type {
  ApplyResult,
  LiftRequest,
  PendingLockout,
  Step,
  WindowStore,
} from '../../src/window/store.js';
import { uniqueName } from '../support/kafka.js';
import { PreviousVersionStore } from '../support/previous-version-store.js';
import {
  draftArbitrary,
  expectSameAsReference,
  forwardDistinctStreams,
  longSequenceStreams,
} from '../support/store-differential.js';

const redis = new Redis(inject('redisUrl'), { enableAutoPipelining: true });
afterAll(() => redis.disconnect());

/** Each batch to the next store in turn (or as `pick` says), on one Redis and one key secret. */
class RollingUpgrade implements WindowStore {
  private calls = 0;
  readonly served = [0, 0];

  constructor(
    private readonly stores: readonly [WindowStore, WindowStore],
    private readonly pick: (call: number) => 0 | 1 = (call) => (call % 2) as 0 | 1,
  ) {}

  apply(steps: readonly Step[]): Promise<ApplyResult> {
    const at = this.pick(this.calls++);
    this.served[at]! += 1;
    return this.stores[at].apply(steps);
  }

  confirm(lockouts: readonly PendingLockout[]): Promise<void> {
    return this.stores[this.calls % 2]!.confirm(lockouts);
  }

  lift(request: LiftRequest): Promise<void> {
    return this.stores[this.calls % 2]!.lift(request);
  }

  async close(): Promise<void> {}
}

function rolling(pick?: (call: number) => 0 | 1): RollingUpgrade {
  const secret = uniqueName('rolling-upgrade-secret-0123456789');
  return new RollingUpgrade(
    [new PreviousVersionStore(redis, secret), new RedisWindowStore(redis, secret)],
    pick,
  );
}

describe('a rolling upgrade: the previous version and this one on one Redis', () => {
  it('give the reference store’s results on random streams, batches alternating between them', async () => {
    await expectSameAsReference(() => rolling(), 40);
  });

  it('give them with batches sent to either version at random', async () => {
    const seeds = fc.sample(fc.integer(), 1);
    let seed = seeds[0]!;
    const random = (): 0 | 1 => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return (seed >> 16) % 2 === 0 ? 0 : 1;
    };
    await expectSameAsReference(() => rolling(random), 30);
    await expectSameAsReference(() => rolling(random), 20, forwardDistinctStreams);
    await expectSameAsReference(() => rolling(random), 20, longSequenceStreams);
  });

  it('serves batches with both versions (the test would prove nothing otherwise)', async () => {
    const store = rolling();
    const stream = fc.sample(fc.array(draftArbitrary, { minLength: 40, maxLength: 40 }), 1)[0]!;
    const { runStore } = await import('../support/store-differential.js');
    await runStore(
      store,
      stream.map((draft) => ({ ...draft, cutAfter: true, lift: null })),
    );
    expect(store.served[0]).toBeGreaterThan(10);
    expect(store.served[1]).toBeGreaterThan(10);
  });
});
