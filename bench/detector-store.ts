// The Redis window store alone, on the streaming benchmark's workload: batches of
// events through the detection pipeline (rules of `rules/`), store calls timed, and
// Redis's own time per script call and per event (INFO commandstats). No Kafka.
//   REDIS_URL=redis://127.0.0.1:PORT npx tsx bench/detector-store.ts [events] [batch]
// BENCH_WITHOUT_RULES=id,id leaves those rules out, to attribute a rule's cost.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { DetectionPipeline } from '../src/pipeline/index.js';
import { compileRuleSet } from '../src/rules/compile.js';
import { loadRuleSet } from '../src/rules/load.js';
import { SHIPPED_RULES_DIR } from '../src/rules/shipped.js';
import { RedisWindowStore } from '../src/window/redis-store.js';
import { benchEvents } from './detector-workload.js';

const TOTAL = Number(process.argv[2] ?? 200_000);
const BATCH = Number(process.argv[3] ?? 6_000);

async function main(): Promise<void> {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL: a Redis of your own (the bench flushes it)');
  const redis = new Redis(url, { enableAutoPipelining: true });
  const admin = new Redis(url);
  await admin.flushdb();
  await admin.config('RESETSTAT');
  const without = new Set((process.env.BENCH_WITHOUT_RULES ?? '').split(',').filter(Boolean));
  const ruleSet = await loadRuleSet([SHIPPED_RULES_DIR]);
  const rules = ruleSet.rules.filter((rule) => !without.has(rule.id));
  if (ruleSet.rules.length - rules.length !== without.size) {
    throw new Error(`BENCH_WITHOUT_RULES: no shipped rule among ${[...without].join(', ')}`);
  }
  const compiled = compileRuleSet({ ...ruleSet, rules });
  const pipeline = new DetectionPipeline(compiled, new RedisWindowStore(redis, 'bench-secret'));
  const events = [...benchEvents(TOTAL, Date.now() - 3_600_000)];
  let storeMs = 0;
  const redisCpuBefore = redisCpuMs();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let at = 0; at < events.length; at += BATCH) {
    const batch = events.slice(at, at + BATCH);
    const positions = batch.map((_, i) => ({ stream: 'logs:0', offset: at + i }));
    const t = performance.now();
    const result = await pipeline.process(batch, positions);
    storeMs += performance.now() - t;
    await pipeline.confirm(result);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpu = redisCpuMs() - redisCpuBefore;
  const stats = await admin.info('commandstats');
  const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(stats);
  let calls = 0;
  for (const m of stats.matchAll(/cmdstat_[a-z|]+:calls=(\d+)/g)) calls += Number(m[1]);
  const memory = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1] ?? 0);
  process.stdout.write(
    `${JSON.stringify({
      events: TOTAL,
      batch: BATCH,
      eventsPerSecond: Math.round(TOTAL / seconds),
      // CPU time of this process (pipeline + store client): robust to a busy machine.
      nodeCpuUsPerEvent: Number(((cpu.user + cpu.system) / TOTAL).toFixed(2)),
      processMsPerBatch: Number((storeMs / Math.ceil(TOTAL / BATCH)).toFixed(1)),
      evalshaCalls: Number(evalsha?.[1] ?? 0),
      evalshaUsPerCall: Number((Number(evalsha?.[2] ?? 0) / Number(evalsha?.[1] ?? 1)).toFixed(1)),
      // CPU time of redis-server (REDIS_PID, from /proc): robust to a busy machine.
      redisCpuUsPerEvent: Number(((redisCpu * 1000) / TOTAL).toFixed(2)),
      redisUsPerEvent: Number((Number(evalsha?.[2] ?? 0) / TOTAL).toFixed(2)),
      redisCommandsPerEvent: Number((calls / TOTAL).toFixed(3)),
      usedMemory: memory,
    })}\n`,
  );
  redis.disconnect();
  admin.disconnect();
}

/** User + system CPU time of the redis-server process REDIS_PID, in ms (NaN without it). */
function redisCpuMs(): number {
  const pid = process.env.REDIS_PID;
  if (!pid) return NaN;
  // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

await main();
