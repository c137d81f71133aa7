// `exfilguard enforce` under load (issue 11's targets):
//   1. heap per table entry: 100,000 lockouts (mixed scopes, 10 % IPv6 /64 prefixes)
//      applied to a LockoutTable in this process, heap measured after full GCs;
//   2. one check in process (identity → table → verdict), no HTTP: µs per check;
//   3. the real command (the built `exfilguard enforce`, a child pinned to core 0) with
//      those 100,000 lockouts read from a real broker, loaded by wrk pinned to core 1:
//      checks/s, p50/p99 latency, the child's RSS; and its catch-up time;
//   4. catch-up on a topic of 1,000,000 lockout records: spawn → caught up.
// Targets: ≥ 20,000 checks/s on one core with p99 ≤ 2 ms; ≤ 300 bytes of heap per
// entry; catch-up of 1,000,000 records ≤ 30 s. Prints a table, then one JSON line.
//
//   node --expose-gc --import tsx bench/enforce.ts [--entries 100000] [--catch-up 1000000]
//        [--seconds 10] [--connections 32]          (npm run bench:enforce -- …)
//   KAFKA_BROKERS=host:port uses a running broker instead of starting one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';
import { lockoutKey, type LockoutCommand } from '../src/decide/lockout.js';
import { IdentityReader, LockoutTable, verdictOf } from '../src/enforce/index.js';
import { LocalKafka } from '../scripts/kafka/local-kafka.js';
import { builtCli, type BuiltCli } from './project.js';

const { Kafka, logLevel, Partitioners } = kafkajs;
const TASKSET = '/usr/bin/taskset';
const WRK = '/usr/bin/wrk';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    'catch-up': { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    // Several loads: at saturation (32) the p99 is the queue's; fewer connections show
    // the latency at a rate just below it.
    connections: { type: 'string', default: '2,8,32' },
  },
});
const ENTRIES = Number(args.entries);
const CATCH_UP = Number(args['catch-up']);

// ---- the lockouts: deterministic, mixed scopes ----------------------------------

const RULES = ['sequential-id-scan', 'slow-id-scan', 'object-breadth', 'export-volume'];

/** The i-th subject: 60 % IPv4, 10 % IPv6 /64, 20 % sessions, 10 % users. */
function subjectOf(i: number): { scope: LockoutCommand['scope']; subject: string } {
  const bucket = i % 10;
  if (bucket < 6) return { scope: 'ip', subject: ipv4(i) };
  if (bucket === 6)
    return { scope: 'ip', subject: `2001:db8:${hex(i >>> 16)}:${hex(i & 0xffff)}::/64` };
  if (bucket < 9) return { scope: 'session', subject: `s-${(i * 2654435761) >>> 0}-${i}` };
  return { scope: 'user', subject: `user${i}@example.com` };
}

function ipv4(i: number): string {
  const n = (0x0b000000 + i * 7) >>> 0; // 11.0.0.0 upwards, spread
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function hex(n: number): string {
  return n.toString(16);
}

function lockoutRecord(i: number, nowMs: number, ttlSeconds = 6 * 3600): LockoutCommand {
  const { scope, subject } = subjectOf(i);
  const rule = RULES[i % RULES.length]!;
  return {
    type: 'lockout',
    version: 2,
    id: randomBytes(16).toString('hex'),
    scope,
    subject,
    rule,
    severity: 'high',
    mode: i % 50 === 0 ? 'shadow' : 'enforce',
    reason: `50 sequential ids on /api/users/:id in 10m`,
    evidence: { count: 50, window: '10m', route: '/api/users/:id' },
    eventTime: new Date(nowMs).toISOString(),
    issuedAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + ttlSeconds * 1000).toISOString(),
    ttlSeconds,
  };
}

// ---- 1 and 2: heap per entry, in-process check cost -----------------------------

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench:enforce does)');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

function tableFigures(): { bytesPerEntry: number; checkNs: number; table: LockoutTable } {
  const now = Date.now();
  // The records go through JSON as they do from Kafka, so strings are the parser's own.
  const before = heapAfterGc();
  const table = new LockoutTable();
  for (let i = 0; i < ENTRIES; i++) {
    table.applyLockout(JSON.parse(JSON.stringify(lockoutRecord(i, now))) as LockoutCommand, now);
  }
  const bytesPerEntry = (heapAfterGc() - before) / table.size;

  const identity = new IdentityReader();
  const requests = Array.from({ length: 4096 }, (_, k) => ({
    remoteAddress: '127.0.0.1',
    headers: {
      // One in ten a locked address or prefix, the rest unknown clients.
      'x-forwarded-for':
        k % 10 === 0
          ? subjectOf(k * 10 + (k % 20 === 0 ? 1 : 6)).subject.replace('::/64', '::1234')
          : k % 3 === 0
            ? `2001:db8:ffff:${hex(k)}::1`
            : `198.51.${k & 255}.${(k >>> 8) & 255}`,
      cookie: `sid=s-unknown-${k}`,
    },
  }));
  let refused = 0;
  const rounds = 100;
  const began = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (const request of requests) {
      const who = identity.identify(request);
      const keys = identity.subjectKeys(who, table.ipv6PrefixLengths);
      if (verdictOf(table.match(keys, now), 'current', 'open', now).status === 403) refused++;
    }
  }
  const checkNs = Number(process.hrtime.bigint() - began) / (rounds * requests.length);
  if (refused === 0) throw new Error('no check was refused: the bench requests miss the table');
  return { bytesPerEntry, checkNs, table };
}

// ---- 3 and 4: the real command against a real broker ----------------------------

async function fillTopic(brokers: string[], topic: string, count: number): Promise<number> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING, clientId: 'bench-enforce' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic, numPartitions: 6, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const began = performance.now();
  const now = Date.now();
  const batch = 5000;
  for (let start = 0; start < count; start += batch) {
    const messages = [];
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const record = lockoutRecord(i, now);
      messages.push({ key: lockoutKey(record), value: JSON.stringify(record) });
    }
    await producer.send({ topic, messages, acks: 1 });
  }
  await producer.disconnect();
  return (performance.now() - began) / 1000;
}

interface EnforceChild {
  readonly child: ChildProcess;
  readonly url: string;
  /** Spawn → /readyz 200, seconds. */
  readonly readySeconds: number;
  /** The enforcer's own figure (exfilguard_enforce_catch_up_seconds). */
  readonly catchUpSeconds: number;
}

async function startEnforceChild(
  cli: BuiltCli,
  brokers: string[],
  topic: string,
  port: number,
): Promise<EnforceChild> {
  const began = performance.now();
  const command = [
    ...(existsSync(TASKSET) ? [TASKSET, '-c', '0'] : []),
    process.execPath,
    cli.cli,
    'enforce',
  ];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: cli.root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      EXFILGUARD_KAFKA_BROKERS: brokers.join(','),
      EXFILGUARD_LOCKOUT_TOPIC: topic,
      EXFILGUARD_ENFORCE_PORT: String(port),
      EXFILGUARD_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`enforce exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const readySeconds = (performance.now() - began) / 1000;
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const catchUpSeconds = Number(/^exfilguard_enforce_catch_up_seconds (\S+)$/m.exec(metrics)?.[1]);
  return { child, url, readySeconds, catchUpSeconds };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

interface Load {
  readonly connections: number;
  readonly checksPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xxOr403: number;
}

/** wrk on core 1: a Lua script spreads the client address over locked and unknown ones. */
function wrkLoad(url: string, dir: string, connections: string): Load {
  // Index 10k + 1 is an IPv4 lockout, 10k + 6 an IPv6 /64 one, both in enforce mode.
  const locked = Array.from({ length: 200 }, (_, k) =>
    subjectOf(k * 10 + (k % 2 === 0 ? 1 : 6)).subject.replace('::/64', '::99'),
  );
  const script = join(dir, 'checks.lua');
  writeFileSync(
    script,
    // Requests made once per wrk thread (init, once the Host header is known): formatting
    // one per call would make wrk, not enforce, the bottleneck.
    `local locked = { ${locked.map((a) => `"${a}"`).join(', ')} }
local requests = {}
init = function(args)
  for n = 1, 2000 do
    local ip
    if n % 10 == 0 then ip = locked[(n / 10) % #locked + 1]
    else ip = "198.51." .. (n % 256) .. "." .. (math.floor(n / 256) % 256) end
    requests[n] = wrk.format("GET", "/v1/check", { ["X-Forwarded-For"] = ip, ["Cookie"] = "sid=s-" .. n })
  end
end
local i = 0
request = function()
  i = i % #requests + 1
  return requests[i]
end
`,
  );
  const command = [
    ...(existsSync(TASKSET) ? [TASKSET, '-c', '1'] : []),
    WRK,
    '-t1',
    `-c${connections}`,
    `-d${args.seconds}s`,
    '--latency',
    '-s',
    script,
    url,
  ];
  const run = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  const out = run.stdout;
  const ms = (label: string) => {
    const m = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(out);
    if (!m) throw new Error(`no ${label}% in wrk output:\n${out}`);
    const value = Number(m[1]);
    return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const total = Number(/(\d+) requests in/.exec(out)?.[1]);
  // One request in ten names a locked client: anything else means the load is not the
  // one described (a malformed request answered 400 would count here too).
  if (!(Math.abs(non2xx / total - 0.1) < 0.01)) {
    throw new Error(`${non2xx} of ${total} checks refused, expected 10 %:\n${out}`);
  }
  return {
    connections: Number(connections),
    checksPerSecond: rps,
    p50Ms: ms('50'),
    p99Ms: ms('99'),
    non2xxOr403: non2xx,
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function main(): Promise<void> {
  if (!existsSync(WRK)) throw new Error('wrk is needed: apt-get install wrk');
  // The command as shipped (built JS), as the other benchmarks run it.
  const cli = builtCli();
  const { bytesPerEntry, checkNs } = tableFigures();
  process.stderr.write(
    `table: ${bytesPerEntry.toFixed(0)} B/entry, ${(checkNs / 1000).toFixed(2)} µs/check in process\n`,
  );

  const service = process.env.KAFKA_BROKERS ? undefined : await LocalKafka.start({ heapMb: 1024 });
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? service!.brokers;
  const dir = mkdtempSync(join(tmpdir(), 'bench-enforce-'));
  try {
    const stamp = Date.now();
    const loadTopic = `bench-enforce-${stamp}`;
    const fillSeconds = await fillTopic(brokers, loadTopic, ENTRIES);
    const enforce = await startEnforceChild(cli, brokers, loadTopic, 19_478);
    const loads: Load[] = [];
    let rss: number;
    try {
      for (const connections of args.connections.split(',')) {
        loads.push(wrkLoad(enforce.url, dir, connections));
      }
      rss = rssMb(enforce.child.pid!);
    } finally {
      await stopChild(enforce.child);
    }
    process.stderr.write(
      `${ENTRIES} entries: filled in ${fillSeconds.toFixed(1)} s; enforce ready in ${enforce.readySeconds.toFixed(1)} s ` +
        `(catch-up ${enforce.catchUpSeconds.toFixed(2)} s), RSS ${rss.toFixed(0)} MB\n`,
    );
    for (const load of loads) {
      process.stderr.write(
        `  ${load.connections} connections: ${load.checksPerSecond.toFixed(0)} checks/s, ` +
          `p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms\n`,
      );
    }

    const bigTopic = `bench-enforce-big-${stamp}`;
    const bigFillSeconds = await fillTopic(brokers, bigTopic, CATCH_UP);
    const big = await startEnforceChild(cli, brokers, bigTopic, 19_479);
    const bigRss = rssMb(big.child.pid!);
    await stopChild(big.child);
    process.stderr.write(
      `${CATCH_UP} records: filled in ${bigFillSeconds.toFixed(1)} s; ready in ${big.readySeconds.toFixed(1)} s ` +
        `(catch-up ${big.catchUpSeconds.toFixed(2)} s), RSS ${bigRss.toFixed(0)} MB\n`,
    );
    console.log(
      JSON.stringify({
        bench: 'enforce',
        entries: ENTRIES,
        heapBytesPerEntry: Math.round(bytesPerEntry),
        inProcessCheckUs: Number((checkNs / 1000).toFixed(2)),
        loads: loads.map((load) => ({
          connections: load.connections,
          checksPerSecond: Math.round(load.checksPerSecond),
          p50Ms: load.p50Ms,
          p99Ms: load.p99Ms,
          refused: load.non2xxOr403,
        })),
        rssMb: Math.round(rss),
        catchUpEntriesSeconds: Number(enforce.catchUpSeconds.toFixed(2)),
        catchUpRecords: CATCH_UP,
        catchUpSeconds: Number(big.catchUpSeconds.toFixed(2)),
        catchUpRssMb: Math.round(bigRss),
        targets: { checksPerSecond: 20_000, p99Ms: 2, heapBytesPerEntry: 300, catchUpSeconds: 30 },
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await service?.stop();
  }
}

await main();
