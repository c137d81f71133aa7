// Live traffic for `exfilguard simulate`: benign traffic at a chosen rate, and an
// attack every few minutes, cycling through the attack kinds. Generated one slice
// of event time at a time from the seeded generators, so a run of days holds one
// slice (and the tails of the bursts in flight) in memory, never the whole run.
import type { AccessEvent } from '../event/index.js';
import type { Actor, Subject } from './actor.js';
import {
  cdnWarmer,
  healthProbes,
  mobileSync,
  monthlyExport,
  natOffice,
  staffTeam,
} from './benign.js';
import { mergeByTime } from './mix.js';
import { deriveSeed } from './random.js';
import { ATTACK_PLANS, type AttackKind } from './live-attacks.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** Event time generated per step. */
export const SLICE_MS = MINUTE;
/**
 * Steady actors are generated from this long before their slice and the lead-in is
 * dropped: a NAT office's users start within their first minute, so without it every
 * slice would open quieter than it goes on.
 */
const LEAD_IN_MS = MINUTE;
/** The first attack comes after this, or after one spacing if that is shorter. */
const FIRST_ATTACK_MS = 30 * SECOND;

const NAT_PER_MINUTE = 4;
const NAT_OFFICE_USERS = 250;
const PROBE_IPS = ['10.0.0.5', '10.0.0.6', '10.0.0.7'];
const PROBE_EVERY_MS = 5 * SECOND;
const STAFF = 4;
const STAFF_PER_MINUTE = 3; // staffBrowsing's default pace
const PHONES = 3;
const PHONE_MESSAGES = 30;
const CDN_THUMBNAILS = 200;

export interface LiveOptions {
  /** Event time of the first slice, epoch milliseconds (live: now). */
  readonly start: number;
  readonly seed: number;
  /** Benign events per second, on average. */
  readonly ratePerSecond: number;
  readonly attackEveryMs: number;
  /** Event time after which nothing is generated; forever when absent. */
  readonly durationMs?: number;
}

/** One attack begun: what it is and who must be locked out, by which rule. */
export interface AttackLaunch {
  /** 0 for the first attack of the run. */
  readonly n: number;
  readonly kind: AttackKind;
  /** Event time of its first request. */
  readonly at: number;
  readonly rule: string;
  readonly subject: Subject;
  /** Every subject of the attacker: other rules may lock these out too. */
  readonly subjects: readonly Subject[];
  /** Its requests in this run (fewer when the run ends first). */
  readonly events: number;
}

export interface LiveSlice {
  readonly start: number;
  readonly end: number;
  /** In event-time order. */
  readonly events: AccessEvent[];
  /** How many of `events` are benign. */
  readonly benign: number;
  /** Attacks whose first request falls in this slice. */
  readonly attacks: AttackLaunch[];
}

/** Benign events a second that come whatever the rate: probes, staff, phones, CDN. */
export const FIXED_BENIGN_RATE =
  PROBE_IPS.length / (PROBE_EVERY_MS / SECOND) +
  (STAFF * STAFF_PER_MINUTE) / 60 +
  (PHONES * PHONE_MESSAGES) / (5 * 60) +
  CDN_THUMBNAILS / (10 * 60) +
  2 / (30 * 60);

/** Event time of attack `n`: the first after 30 s (or one spacing), then one per spacing. */
export function attackTime(options: Pick<LiveOptions, 'start' | 'attackEveryMs'>, n: number) {
  const { start, attackEveryMs } = options;
  return start + Math.min(FIRST_ATTACK_MS, attackEveryMs) + n * attackEveryMs;
}

/** One-off bursts on a fixed period: phone syncs, CDN warm-ups, exports, attacks. */
interface Episodes {
  readonly phase: number;
  readonly everyMs: number;
  readonly make: (at: number, j: number) => Actor;
}

interface InFlight {
  readonly events: readonly AccessEvent[];
  readonly benign: boolean;
  next: number;
}

export function* liveTraffic(options: LiveOptions): Generator<LiveSlice> {
  const { start, seed, ratePerSecond } = options;
  if (ratePerSecond < FIXED_BENIGN_RATE) {
    throw new RangeError(`the benign rate must be at least ${FIXED_BENIGN_RATE.toFixed(2)}/s`);
  }
  const stop = options.durationMs === undefined ? Infinity : start + options.durationMs;
  const benignEpisodes = benignSchedule(start, seed);
  const inFlight: InFlight[] = [];
  for (let index = 0; start + index * SLICE_MS < stop; index += 1) {
    const from = start + index * SLICE_MS;
    const to = Math.min(from + SLICE_MS, stop);
    const steady = steadyActors(from, to, deriveSeed(seed, `slice-${index}`), ratePerSecond);
    for (const schedule of benignEpisodes) {
      for (const actor of due(schedule, from, to))
        inFlight.push({ events: actor.events, benign: true, next: 0 });
    }
    const attacks = launches(options, from, to).map(({ launch, actor }) => {
      const events = actor.events.filter((event) => event.ts < stop);
      inFlight.push({ events, benign: false, next: 0 });
      return { ...launch, events: events.length };
    });
    const streams: AccessEvent[][] = steady.map((actor) => within(actor.events, from, to));
    let benign = streams.reduce((sum, events) => sum + events.length, 0);
    for (const flight of inFlight) {
      const taken = takeUntil(flight, to);
      streams.push(taken);
      if (flight.benign) benign += taken.length;
    }
    removeFinished(inFlight);
    yield { start: from, end: to, events: [...mergeByTime(streams)], benign, attacks };
  }
}

function steadyActors(from: number, to: number, seed: number, rate: number): Actor[] {
  const start = from - LEAD_IN_MS;
  const durationMs = to - start;
  const users = Math.round(((rate - FIXED_BENIGN_RATE) * 60) / NAT_PER_MINUTE);
  const offices = Array.from({ length: Math.ceil(users / NAT_OFFICE_USERS) }, (_, k) =>
    natOffice({
      start,
      durationMs,
      seed: deriveSeed(seed, `office-${k}`),
      ip: `198.51.100.${10 + k}`,
      firstUser: 1 + k * NAT_OFFICE_USERS,
      users: Math.min(NAT_OFFICE_USERS, users - k * NAT_OFFICE_USERS),
      perMinute: NAT_PER_MINUTE,
    }),
  );
  return [
    ...offices,
    ...staffTeam(start, deriveSeed(seed, 'staff'), durationMs / 3_600_000, STAFF),
    healthProbes({
      start,
      durationMs,
      seed: deriveSeed(seed, 'probes'),
      ips: PROBE_IPS,
      everyMs: PROBE_EVERY_MS,
    }),
  ];
}

function benignSchedule(start: number, seed: number): Episodes[] {
  const s = (label: string) => deriveSeed(seed, label);
  const phones = Array.from({ length: PHONES }, (_, p) => ({
    phase: start + (p + 1) * 70 * SECOND,
    everyMs: 5 * MINUTE,
    make: (at: number, j: number) =>
      mobileSync({
        start: at,
        seed: s(`phone-${p}-${j}`),
        durationMs: 1,
        messages: PHONE_MESSAGES,
        newestId: 500_000 + p * 100_000 + j * 7,
        identity: { ip: `192.0.2.${31 + p}`, session: `m-s-${p + 1}`, user: `mobile${p + 1}` },
      }),
  }));
  return [
    ...phones,
    {
      phase: start + 2 * MINUTE,
      everyMs: 10 * MINUTE,
      make: (at, j) =>
        cdnWarmer({
          start: at,
          seed: s(`cdn-${j}`),
          count: CDN_THUMBNAILS,
          firstId: 1 + j * CDN_THUMBNAILS,
          identity: { ip: '198.51.100.200', userAgent: 'cdn-warmer/1.0' },
        }),
    },
    {
      phase: start + 7 * MINUTE,
      everyMs: 30 * MINUTE,
      make: (at, j) =>
        monthlyExport({
          start: at,
          seed: s(`monthly-${j}`),
          identity: { ip: '10.20.0.50', session: `s-controller-${j}`, user: 'controller' },
        }),
    },
  ];
}

function launches(options: LiveOptions, from: number, to: number) {
  const schedule = { phase: attackTime(options, 0), everyMs: options.attackEveryMs };
  return occurrences(schedule, from, to).map(({ at, j: n }) => {
    const plan = ATTACK_PLANS[n % ATTACK_PLANS.length]!;
    const actor = plan.build(at, deriveSeed(options.seed, `attack-${n}`), n);
    const subject = actor.subjects.find((s) => s.scope === plan.scope)!;
    const { subjects } = actor;
    return { launch: { n, kind: plan.kind, at, rule: plan.rule, subject, subjects }, actor };
  });
}

function occurrences(schedule: Omit<Episodes, 'make'>, from: number, to: number) {
  const found: { at: number; j: number }[] = [];
  let j = Math.max(0, Math.ceil((from - schedule.phase) / schedule.everyMs));
  for (let at = schedule.phase + j * schedule.everyMs; at < to; j += 1, at += schedule.everyMs) {
    found.push({ at, j });
  }
  return found;
}

function due(schedule: Episodes, from: number, to: number): Actor[] {
  return occurrences(schedule, from, to).map(({ at, j }) => schedule.make(at, j));
}

function within(events: readonly AccessEvent[], from: number, to: number): AccessEvent[] {
  return events.filter((event) => event.ts >= from && event.ts < to);
}

function takeUntil(flight: InFlight, to: number): AccessEvent[] {
  const begin = flight.next;
  while (flight.next < flight.events.length && flight.events[flight.next]!.ts < to)
    flight.next += 1;
  return flight.events.slice(begin, flight.next);
}

function removeFinished(inFlight: InFlight[]): void {
  for (let i = inFlight.length - 1; i >= 0; i -= 1) {
    if (inFlight[i]!.next >= inFlight[i]!.events.length) inFlight.splice(i, 1);
  }
}
