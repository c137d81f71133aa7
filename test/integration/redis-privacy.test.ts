// A Redis dump names no person (DESIGN: privacy by construction; issue 9, item 8).
// A realistic run through the Redis store under the shipped rules — IPv4 and IPv6
// scanners, sessions and users, several rules, lockouts confirmed and one left pending —
// then every key and value of the database (names, strings, hash fields and values) is
// searched for each address, session, user, route template, raw path and object id of
// the input, as text and in every binary form a number could take.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { AccessEvent } from '../../src/event/access-event.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { RedisWindowStore } from '../../src/window/redis-store.js';
import { uniqueName } from '../support/kafka.js';
import { integerEncodings } from '../support/number-encodings.js';

/** A database of its own: every key in it is this test's. */
const DB = 13;
const redis = new Redis(inject('redisUrl'), { db: DB, enableAutoPipelining: true });
afterAll(() => redis.disconnect());

const T0 = Date.now() - 20 * 60_000;

interface Walker {
  readonly ip: string;
  readonly session?: string;
  readonly user?: string;
  readonly resource: string;
  readonly firstId: number;
  readonly stride: number;
  readonly count: number;
  readonly bytes?: number;
}

function walk(w: Walker, startMs: number): AccessEvent[] {
  return Array.from({ length: w.count }, (_, k) => ({
    ts: startMs + k * 400,
    ip: w.ip,
    method: 'GET',
    path: `/api/${w.resource}/${w.firstId + k * w.stride}?fields=all`,
    status: 200,
    bytes: w.bytes ?? 1200,
    ...(w.session && { session: w.session }),
    ...(w.user && { user: w.user }),
  }));
}

const CONFIRMED: Walker[] = [
  { ip: '203.0.113.77', resource: 'patients', firstId: 31_400_011, stride: 3, count: 70 },
  {
    ip: '2001:db8:5:6:7:8:9:99',
    session: 'sess-Qx81ZZk4vN',
    resource: 'orders',
    firstId: 58_200_017,
    stride: 1,
    count: 70,
  },
  {
    ip: '198.51.100.23',
    user: 'carol.personal@example.org',
    session: 'sess-carol-55Tg',
    resource: 'claims',
    firstId: 74_100_003,
    stride: 2,
    count: 170,
  },
  // Exports: bytes, not ids; and a quiet browser of far-apart records (no lockout).
  {
    ip: '192.0.2.181',
    user: 'erin.export@example.net',
    resource: 'reports/export',
    firstId: 90_000_001,
    stride: 1,
    count: 6,
    bytes: 6_000_000,
  },
  {
    ip: '2001:db8:aa:bb::1234',
    user: 'dave.quiet@example.com',
    resource: 'records',
    firstId: 61_000_009,
    stride: 977_001,
    count: 12,
  },
];
/** Locked out in a batch whose lockouts are never confirmed: it stays in the outbox. */
const PENDING: Walker = {
  ip: '2001:db8:c0:ffee:1:2:3:4',
  user: 'frank.pending@example.com',
  resource: 'invoices',
  firstId: 87_654_321,
  stride: 1,
  count: 60,
};

/** Every key of the database: its name, and its value's bytes (hash: fields and values). */
async function dump(): Promise<Map<string, Buffer[]>> {
  const out = new Map<string, Buffer[]>();
  for (const name of await redis.keys('*')) {
    const type = await redis.type(name);
    if (type === 'string') out.set(name, [(await redis.getBuffer(name))!]);
    else if (type === 'hash') {
      const fields = await redis.hgetallBuffer(name);
      out.set(
        name,
        Object.entries(fields).flatMap(([f, v]) => [Buffer.from(f, 'latin1'), v]),
      );
    } else throw new Error(`${name}: a ${type}, which this test cannot read`);
  }
  return out;
}

describe('a Redis dump after a realistic run', () => {
  it('names no address, session, user, route or object id of the input', async () => {
    await redis.flushdb();
    const { compiled } = await loadRules({ dirs: [], shipped: true });
    const store = new RedisWindowStore(redis, uniqueName('privacy-secret-0123456789abcdef'));
    const pipeline = new DetectionPipeline(compiled, store, { issuedAt: (ts) => ts });
    const confirmed = CONFIRMED.flatMap((w, i) => walk(w, T0 + i * 1000)).sort(
      (a, b) => a.ts - b.ts,
    );
    const first = await pipeline.process(confirmed);
    await pipeline.confirm(first);
    const second = await pipeline.process(walk(PENDING, T0 + 5 * 60_000));
    const lockouts = [...first.lockouts, ...second.lockouts];
    // The run did what it is meant to show: several rules, every scope, one pending.
    expect(new Set(lockouts.map((l) => l.rule))).toEqual(
      new Set([
        'sequential-id-scan',
        'slow-id-scan',
        'object-breadth',
        'bulk-export',
        'data-volume',
      ]),
    );
    expect(new Set(lockouts.map((l) => l.scope))).toEqual(new Set(['ip', 'session', 'user']));
    expect(second.lockouts.length).toBeGreaterThan(0);

    const events = [...confirmed, ...walk(PENDING, 0)];
    const texts = new Set<string>();
    for (const e of events) {
      for (const t of [e.ip, e.session, e.user, e.path, e.path.split('?')[0]!]) {
        if (t !== undefined) texts.add(t);
      }
    }
    for (const l of lockouts) {
      texts.add(l.subject);
      const route = l.evidence['route'];
      if (typeof route === 'string' && route !== '') texts.add(route);
    }
    for (const w of [...CONFIRMED, PENDING]) texts.add(w.resource);
    // As written, and as Redis's cjson writes it in JSON (it escapes '/' as '\/').
    const needles: { what: string; bytes: Buffer }[] = [...texts].flatMap((t) => [
      { what: `"${t}"`, bytes: Buffer.from(t) },
      {
        what: `"${t}" in JSON`,
        bytes: Buffer.from(JSON.stringify(t).slice(1, -1).replaceAll('/', '\\/')),
      },
    ]);
    for (const e of events) {
      const id = Number(/\/(\d+)\?/.exec(e.path)![1]);
      for (const { name, bytes } of integerEncodings(id)) {
        needles.push({ what: `id ${id} as ${name}`, bytes });
      }
    }

    const keys = await dump();
    expect([...keys.values()].some((parts) => parts.length > 1)).toBe(true); // an outbox
    const found: string[] = [];
    for (const [name, parts] of keys) {
      for (const needle of needles) {
        const where = [Buffer.from(name), ...parts].some((p) => p.includes(needle.bytes));
        if (where) found.push(`${needle.what} in ${name}`);
      }
    }
    expect(found).toEqual([]);
  });
});
