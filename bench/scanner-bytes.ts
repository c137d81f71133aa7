// Redis bytes of a hostile scanner: one address (with a session and a user) touching
// 100,000 ids through the detection pipeline and the Redis store, as `exfilguard run`
// would, in batches as from Kafka; after every batch, the bytes its keys take (MEMORY
// USAGE of its state, outbox and offences keys, of each scope) per actor-rule window it
// holds, of which the bench prints the peak over the run and the bytes at its end. Issue
// 16's bound: at most 4 KB per actor-rule for such a scanner (1 KB for normal actors:
// `npm run bench`'s redisBytesPerActorRule).
//   REDIS_URL=redis://127.0.0.1:PORT npx tsx bench/scanner-bytes.ts [ids] [pattern]
// pattern: walk (ids in order, the default), stride (every 7th), random (anywhere in
// 0–10^9), routes (in order, spread over 50 routes). The bench flushes that Redis.
import { Redis } from 'ioredis';
import type { AccessEvent } from '../src/event/access-event.js';
import { DetectionPipeline } from '../src/pipeline/index.js';
import { loadRules } from '../src/rules/shipped.js';
import { Random } from '../src/simulate/random.js';
import { RedisKeys } from '../src/window/keys.js';
import { RedisWindowStore } from '../src/window/redis-store.js';
import type { Scope } from '../src/vocabulary/scope.js';
import { countWindows } from './redis-windows.js';

const IDS = Number(process.argv[2] ?? 100_000);
const PATTERN = process.argv[3] ?? 'walk';
const BATCH = 500;
const SECRET = 'scanner-bytes-bench-secret-0123456789';
const ACTOR = { ip: '203.0.113.66', session: 's-hostile-0001', user: 'scraper@example.com' };

function pathOf(i: number, random: Random): string {
  switch (PATTERN) {
    case 'stride':
      return `/api/users/${1000 + i * 7}`;
    case 'random':
      return `/api/users/${random.int(0, 1_000_000_000)}`;
    case 'routes':
      return `/api/r${i % 50}/items/${1000 + Math.floor(i / 50)}`;
    default:
      return `/api/users/${1000 + i}`;
  }
}

async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL: a Redis of your own (the bench flushes it)');
  const redis = new Redis(url, { enableAutoPipelining: true });
  await redis.flushdb();
  const { compiled } = await loadRules({ dirs: [], shipped: true });
  const store = new RedisWindowStore(redis, SECRET);
  const pipeline = new DetectionPipeline(compiled, store);
  const random = new Random(16);
  // One id every 50 ms of event time: 100,000 ids over 83 minutes, fast enough to fire
  // the scan rules, slow enough to keep windows of every length busy.
  const start = Date.now() - (IDS * 50 + 60_000);
  const keys = new RedisKeys(SECRET);
  const peaks = new Map<Scope, ActorBytes>();
  let lockouts = 0;
  for (let at = 0; at < IDS; at += BATCH) {
    const events: AccessEvent[] = [];
    for (let i = at; i < Math.min(IDS, at + BATCH); i += 1) {
      events.push({
        ts: start + i * 50,
        method: 'GET',
        path: pathOf(i, random),
        status: 200,
        bytes: 900,
        ...ACTOR,
      });
    }
    const positions = events.map((_, i) => ({ stream: 'logs:0', offset: at + i }));
    const result = await pipeline.process(events, positions);
    lockouts += result.lockouts.length;
    await pipeline.confirm(result);
    for (const bytes of await actorBytes(redis, keys)) {
      const peak = peaks.get(bytes.scope);
      if (!peak || bytes.bytesPerActorRule > peak.bytesPerActorRule) peaks.set(bytes.scope, bytes);
    }
  }
  const atEnd = await actorBytes(redis, keys);
  const usedMemory = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
  process.stdout.write(
    `${JSON.stringify({ ids: IDS, pattern: PATTERN, lockouts, peak: [...peaks.values()], atEnd, usedMemory })}\n`,
  );
  redis.disconnect();
}

interface ActorBytes {
  scope: Scope;
  bytes: number;
  windows: number;
  bytesPerActorRule: number;
}

/** Each scope's keys of the scanner: their bytes in Redis and the windows they hold. */
async function actorBytes(redis: Redis, keys: RedisKeys): Promise<ActorBytes[]> {
  const scopes: [Scope, string][] = [
    ['ip', ACTOR.ip],
    ['session', ACTOR.session],
    ['user', ACTOR.user],
  ];
  const rows: ActorBytes[] = [];
  for (const [scope, subject] of scopes) {
    const actor = keys.actor(scope, subject);
    let bytes = 0;
    for (const key of [actor.state, actor.outbox, actor.offences]) {
      bytes += Number((await redis.memory('USAGE', key)) ?? 0);
    }
    const windows = await countWindows(redis, [actor.state]);
    rows.push({
      scope,
      bytes,
      windows,
      bytesPerActorRule: Math.round(bytes / Math.max(1, windows)),
    });
  }
  return rows;
}

await main();
