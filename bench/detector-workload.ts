// Events for the streaming benchmark: many benign actors (20,000 addresses opening
// random records in large tables, static assets, a few errors) and some scanners
// (sequential ids). Seeded, so every run produces the same stream.
import type { AccessEvent } from '../src/event/access-event.js';
import { Random } from '../src/simulate/random.js';

const ROUTES = ['/api/users/', '/api/orders/', '/api/messages/', '/api/invoices/'];
const STATIC = ['/static/app.js', '/static/app.css', '/img/logo.png', '/favicon.ico'];

function benign(random: Random, ts: number): AccessEvent {
  // 20,000 benign addresses.
  const n = random.int(0, 19_999);
  const ip = `10.${Math.floor(n / 250)}.${n % 250}.1`;
  if (random.chance(0.15)) {
    return {
      ts,
      ip,
      method: 'GET',
      path: random.pick(STATIC),
      status: 200,
      bytes: random.int(500, 90_000),
    };
  }
  const path = `${random.pick(ROUTES)}${random.int(1, 2_000_000)}`;
  const status = random.chance(0.02) ? 404 : 200;
  return { ts, ip, method: 'GET', path, status, bytes: random.int(300, 4000) };
}

/** `total` events, one every 0.1 ms of event time from `start`; 1 in 200 from one of 50 scanners. */
export function* benchEvents(total: number, start: number): Generator<AccessEvent> {
  const random = new Random(20_261_125);
  const next = new Array<number>(50).fill(0);
  for (let i = 0; i < total; i += 1) {
    const ts = start + Math.floor(i / 10);
    if (i % 200 === 0) {
      const scanner = (i / 200) % 50;
      const id = 1000 + next[scanner]!++;
      yield {
        ts,
        ip: `203.0.${Math.floor(scanner / 250)}.${(scanner % 250) + 1}`,
        method: 'GET',
        path: `/api/users/${id}`,
        status: 200,
        bytes: 900,
      };
    } else {
      yield benign(random, ts);
    }
  }
}

/**
 * One tick of steady traffic: `count` events stamped `now`; 1 in 50 comes from a
 * scanner walking ids in order, a new scanner every 60 requests, so lockouts keep
 * coming (about 3 a second at 10,000 events/s) for the latency figures.
 */
export function steadyEvents(tick: number, now: number, count: number): AccessEvent[] {
  const random = new Random(tick + 1);
  const perTick = Math.ceil(count / 50);
  return Array.from({ length: count }, (_, i) => {
    if (i % 50 !== 0) return benign(random, now);
    const n = tick * perTick + i / 50;
    const scanner = Math.floor(n / 60);
    // 203.0.1.x and up: not the pre-produced scanners (203.0.0.x).
    const ip = `203.0.${1 + Math.floor(scanner / 250)}.${(scanner % 250) + 1}`;
    return {
      ts: now,
      ip,
      method: 'GET',
      path: `/api/users/${100_000 + n}`,
      status: 200,
      bytes: 900,
    };
  });
}
