// Two versions of the Redis apply script on the same calls, for changes too small for the
// machine's noise (±15 % between runs here): the store bench's workload is run once through
// the pipeline and the working tree's store, every script call is captured, then both
// scripts replay the captured calls from an empty Redis, each on a redis-server of its
// own, both pinned to one CPU, call by call in alternation, so both see the same machine.
// Redis's own time per call (INFO commandstats) is summed over the last batches, whose
// actors have state by then; every reply of one script must equal the other's (same
// decisions), else the bench says so and fails.
//   npx tsx bench/script-ab.ts --ref REF [--batches 12] [--timed 3] [--reps 2]
// A = the apply script at git ref REF (its parts as its apply-script.ts lists them; its
// arguments must be the working tree's), B = the working tree's. Needs redis-server and
// taskset. (bench/lua-cost.ts splits one script's time into its GET, SET and the rest.)
import { execFileSync } from 'node:child_process';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { LocalRedis } from '../scripts/redis/local-redis.js';
import { DetectionPipeline } from '../src/pipeline/index.js';
import { loadRules } from '../src/rules/shipped.js';
import { APPLY_SCRIPT } from '../src/window/apply-script.js';
import { RedisWindowStore } from '../src/window/redis-store.js';
import { benchEvents } from './detector-workload.js';

const { values: options } = parseArgs({
  options: {
    ref: { type: 'string' },
    batches: { type: 'string', default: '12' },
    timed: { type: 'string', default: '3' },
    reps: { type: 'string', default: '2' },
  },
});
if (!options.ref) throw new Error('--ref REF: the script to compare with the working tree');
const BATCH = 6000;
const batches = Number(options.batches);
const timed = Number(options.timed);
const reps = Number(options.reps);

interface Call {
  readonly numKeys: number;
  readonly args: (string | number | Buffer)[];
}

/** The apply script as the commit `ref` assembles it. */
function scriptAt(ref: string): string {
  const show = (path: string) =>
    execFileSync('git', ['show', `${ref}:${path}`], { encoding: 'utf8' });
  const parts = show('src/window/apply-script.ts').match(/'\d\d-[a-z-]+\.lua'/g) ?? [];
  if (parts.length === 0) throw new Error(`${ref}: no script parts in its apply-script.ts`);
  return parts.map((part) => show(`src/window/scripts/apply/${part.slice(1, -1)}`)).join('\n');
}

/** The calls of `batches` batches of the workload, per batch, through the working tree. */
async function capture(url: string): Promise<Call[][]> {
  const redis = new Redis(url);
  const calls: Call[][] = [];
  const spy = new Proxy(redis, {
    get(target, prop) {
      if (prop === 'exfilguardApply')
        return (numKeys: number, ...args: (string | number | Buffer)[]) => {
          calls.at(-1)!.push({ numKeys, args });
          return (
            target as unknown as Record<string, (...a: unknown[]) => unknown>
          ).exfilguardApply!.call(target, numKeys, ...args);
        };
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  const { compiled } = await loadRules({ dirs: [], shipped: true });
  const pipeline = new DetectionPipeline(compiled, new RedisWindowStore(spy, 'bench-secret'));
  const events = [...benchEvents(batches * BATCH, Date.now() - 3_600_000)];
  for (let at = 0; at < events.length; at += BATCH) {
    calls.push([]);
    const batch = events.slice(at, at + BATCH);
    const positions = batch.map((_, i) => ({ stream: 'logs:0', offset: at + i }));
    await pipeline.confirm(await pipeline.process(batch, positions));
  }
  redis.disconnect();
  return calls;
}

async function main(): Promise<void> {
  const servers = [await LocalRedis.start(), await LocalRedis.start()];
  try {
    for (const server of servers) execFileSync('taskset', ['-cp', '1', String(server.pid)]);
    execFileSync('taskset', ['-cp', '0', String(process.pid)]);
    const calls = await capture(servers[0]!.url);
    const sides = await Promise.all(
      [scriptAt(options.ref!), APPLY_SCRIPT].map(async (lua, i) => {
        const redis = new Redis(servers[i]!.url);
        return { redis, sha: (await redis.script('LOAD', lua)) as string, usec: 0 };
      }),
    );
    let differing = 0;
    for (let rep = 0; rep < reps; rep += 1) {
      for (const side of sides) await side.redis.flushdb();
      for (const [b, batch] of calls.entries()) {
        if (b === calls.length - timed)
          for (const side of sides) await side.redis.config('RESETSTAT');
        for (const call of batch) {
          const order = (b + rep) % 2 === 0 ? sides : [...sides].reverse();
          const replies = [];
          for (const side of order)
            replies.push(await side.redis.evalsha(side.sha, call.numKeys, ...call.args));
          if (!isDeepStrictEqual(replies[0], replies[1])) differing += 1;
        }
      }
      for (const side of sides) {
        const stats = await side.redis.info('commandstats');
        side.usec += Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(stats)?.[1]);
      }
    }
    const events = timed * BATCH * reps;
    const [a, b] = sides.map((side) => side.usec / events);
    process.stdout.write(
      `${JSON.stringify({
        ref: options.ref,
        timedEvents: events,
        refUsPerEvent: Number(a!.toFixed(2)),
        workingTreeUsPerEvent: Number(b!.toFixed(2)),
        ratio: Number((b! / a!).toFixed(3)),
        differingReplies: differing,
      })}\n`,
    );
    for (const side of sides) side.redis.disconnect();
    if (differing > 0) process.exitCode = 1;
  } finally {
    for (const server of servers) await server.stop();
  }
}

await main();
