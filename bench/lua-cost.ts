// Where Redis spends its time in the apply script (src/window/scripts/apply/): captures
// the shard calls of the last batch of the streaming bench's workload, then replays
// them under script variants (the script, without its SET, without its GET, an empty
// script; OTHER_LUA=FILE adds another version) and prints redis-server CPU time (from
// /proc, so a busy machine inflates it less than wall time) per actor and per call.
// Best of 3 × 5 replays.
//   REDIS_URL=redis://127.0.0.1:PORT REDIS_PID=PID npx tsx bench/lua-cost.ts [events]
// The bench flushes that Redis.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { DetectionPipeline } from '../src/pipeline/index.js';
import { loadRules } from '../src/rules/shipped.js';
import { APPLY_SCRIPT } from '../src/window/apply-script.js';
import { RedisWindowStore } from '../src/window/redis-store.js';
import { benchEvents } from './detector-workload.js';

const url = process.env.REDIS_URL!;
const pid = process.env.REDIS_PID!;
const cpu = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const redis = new Redis(url);
await redis.flushdb();
const captured: { numKeys: number; args: (string | number | Buffer)[] }[] = [];
let capture = false;
const spy = new Proxy(redis, {
  get(target, prop) {
    if (prop === 'exfilguardApply')
      return (numKeys: number, ...args: (string | number | Buffer)[]) => {
        if (capture) captured.push({ numKeys, args });
        return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[
          'exfilguardApply'
        ]!.call(target, numKeys, ...args);
      };
    const v = Reflect.get(target, prop) as unknown;
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
  },
});
const { compiled } = await loadRules({ dirs: [], shipped: true });
const pipeline = new DetectionPipeline(compiled, new RedisWindowStore(spy, 's'));
const events = [...benchEvents(Number(process.argv[2] ?? 200_000), Date.now() - 3_600_000)];
const BATCH = 6000;
for (let at = 0; at < events.length; at += BATCH) {
  capture = at + BATCH >= events.length; // the last batch: states exist by then
  await pipeline.process(events.slice(at, at + BATCH));
}
const steps = captured.reduce((n, c) => n + (c.args.at(-1) as Buffer).length / 48, 0);
const actors = captured.reduce((n, c) => n + c.numKeys / 3, 0);
process.stdout.write(
  `captured ${captured.length} calls, ${actors} actors, ~${Math.round(steps)} steps\n`,
);
const base = APPLY_SCRIPT;
const variants: Record<string, string> = {
  full: base,
  ...(process.env.OTHER_LUA && { other: readFileSync(process.env.OTHER_LUA, 'utf8') }),
  full2: base,
  noSet: base.replace(
    "redis.call('SET', key, cmsgpack.pack(value), 'PX', math.ceil(deadline - now))",
    'local _ = 1',
  ),
  packNoSet: base.replace(
    "redis.call('SET', key, cmsgpack.pack(value), 'PX', math.ceil(deadline - now))",
    'local _ = cmsgpack.pack(value)',
  ),
  noGet: base.replace("local raw = redis.call('GET', KEYS[3 * a - 2])", 'local raw = nil'),
  empty: 'return 1',
};
for (const [name, lua] of Object.entries(variants)) {
  const sha = (await redis.script('LOAD', lua)) as string;
  let best = Infinity;
  for (let rep = 0; rep < 3; rep += 1) {
    const before = cpu();
    for (let r = 0; r < 5; r += 1)
      await Promise.all(captured.map((c) => redis.evalsha(sha, c.numKeys, ...c.args)));
    best = Math.min(best, cpu() - before);
  }
  process.stdout.write(
    `${name.padEnd(10)} ${((best * 1000) / (5 * actors)).toFixed(2)} µs/actor  ${((best * 1000) / (5 * captured.length)).toFixed(0)} µs/call\n`,
  );
}
redis.disconnect();
