// The traffic simulator itself (src/simulate): seeded and deterministic, streams
// merged in time order, each attacker shaped as its name says, subjects as the
// engine measures them.
import { describe, expect, it } from 'vitest';
import {
  attackerCast,
  cdnWarmer,
  idScan,
  inBatches,
  mergeByTime,
  mobileSync,
  mulberry32,
  natOffice,
  notFoundProbe,
  Random,
  rotatingAccountScan,
  scanIds,
  subjectsOf,
  type ScanOrder,
} from '../../src/simulate/index.js';

const START = Date.parse('2015-05-18T00:00:00Z');

describe('random', () => {
  it('gives the same sequence for the same seed, another for another seed', () => {
    const take = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
    expect(take(7).every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('keeps int() within its bounds and jitter() within its fraction', () => {
    const random = new Random(1);
    const ints = Array.from({ length: 1000 }, () => random.int(3, 5));
    expect(new Set(ints)).toEqual(new Set([3, 4, 5]));
    const gaps = Array.from({ length: 1000 }, () => random.jitter(90_000, 1 / 3));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(60_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(120_000);
  });
});

describe('generators', () => {
  it('are deterministic: the same seed gives the same cast', () => {
    const a = attackerCast({ start: START, seed: 5 });
    const b = attackerCast({ start: START, seed: 5 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(attackerCast({ start: START, seed: 6 }))).not.toBe(JSON.stringify(a));
  });

  it.each<[ScanOrder, number[]]>([
    ['ascending', [100, 101, 102, 103]],
    ['descending', [100, 99, 98, 97]],
    ['strided', [100, 107, 114, 121]],
  ])('walk %s ids', (order, ids) => {
    expect(scanIds(new Random(1), { count: 4, order, firstId: 100 })).toEqual(ids);
  });

  it('walk a shuffled scan through its range, each id once', () => {
    const ids = scanIds(new Random(3), {
      count: 50,
      order: 'shuffled',
      firstId: 1000,
      range: 50,
    });
    expect([...ids].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
    expect(ids).not.toEqual([...ids].sort((x, y) => x - y));
  });

  it('pace requests: 20/s is 50 ms apart, in time order', () => {
    const scan = idScan({
      start: START,
      seed: 1,
      identity: { ip: '192.0.2.1', session: 's-1' },
      count: 3,
      order: 'ascending',
      everyMs: 50,
    });
    expect(scan.events.map((e) => e.ts - START)).toEqual([0, 50, 100]);
    expect(scan.events[0]).toMatchObject({ ip: '192.0.2.1', session: 's-1', method: 'GET' });
    expect(scan.role).toBe('attacker');
  });

  it('make 404 probing mostly 404', () => {
    const probe = notFoundProbe({
      start: START,
      seed: 2,
      identity: { ip: '192.0.2.2' },
      count: 200,
      everyMs: 1000,
    });
    const misses = probe.events.filter((e) => e.status === 404).length;
    expect(misses).toBeGreaterThan(160);
  });

  it('rotate an account over 40 IPv4 and IPv6 addresses in distinct /64s, keyed by user', () => {
    const scan = rotatingAccountScan({
      start: START,
      seed: 4,
      user: 'svc-sync',
      count: 400,
      everyMs: 500,
    });
    const ips = new Set(scan.events.map((e) => e.ip));
    expect([...ips].filter((ip) => !ip.includes(':')).length).toBe(40);
    const v6 = new Set(
      scan.events.filter((e) => e.ip.includes(':')).map((e) => subjectsOf(e)[0]!.subject),
    );
    expect(v6.size).toBe(8);
    expect(scan.subjects).toEqual([{ scope: 'user', subject: 'svc-sync' }]);
  });

  it('measure an IPv6 client by its /64', () => {
    expect(subjectsOf({ ip: '2001:db8:77:1::9', user: 'u' })).toEqual([
      { scope: 'ip', subject: '2001:db8:77:1::/64' },
      { scope: 'user', subject: 'u' },
    ]);
  });

  it('give a NAT hundreds of users on one address, and benign subjects for all of them', () => {
    const nat = natOffice({
      start: START,
      seed: 9,
      ip: '198.51.100.10',
      durationMs: 600_000,
      users: 50,
    });
    expect(new Set(nat.events.map((e) => e.ip))).toEqual(new Set(['198.51.100.10']));
    expect(new Set(nat.events.map((e) => e.user)).size).toBe(50);
    expect(nat.subjects).toHaveLength(1 + 50 + 50);
    expect(nat.events.every((e, i) => i === 0 || nat.events[i - 1]!.ts <= e.ts)).toBe(true);
  });

  it('sync 30 consecutive messages every 15 minutes', () => {
    const identity = { ip: '192.0.2.31' };
    const app = mobileSync({ start: START, seed: 1, identity, durationMs: 3_600_000 });
    expect(app.events).toHaveLength(4 * 30);
    const ids = app.events.slice(0, 30).map((e) => Number(e.path.split('/').at(-1)));
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
    expect(app.events[30]!.ts - app.events[0]!.ts).toBe(15 * 60_000);
  });
});

describe('mix', () => {
  it('merges sorted streams into one in time order, ties in stream order', () => {
    const a = cdnWarmer({
      start: START,
      seed: 1,
      identity: { ip: '192.0.2.1' },
      count: 5,
      everyMs: 100,
    });
    const b = cdnWarmer({
      start: START + 50,
      seed: 1,
      identity: { ip: '192.0.2.2' },
      count: 5,
      everyMs: 100,
    });
    const c = cdnWarmer({ start: START, seed: 1, identity: { ip: '192.0.2.3' }, count: 1 });
    const merged = [...mergeByTime([a.events, b.events, c.events])];
    expect(merged).toHaveLength(11);
    expect(merged.every((e, i) => i === 0 || merged[i - 1]!.ts <= e.ts)).toBe(true);
    expect(merged.slice(0, 3).map((e) => e.ip)).toEqual(['192.0.2.1', '192.0.2.3', '192.0.2.2']);
  });

  it('cuts a stream into batches', () => {
    expect([...inBatches([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
  });
});
