// Live pacing for `exfilguard simulate`: each event is handed over when the wall
// clock reaches its event time, so a running detector's windows slide as they would
// on real traffic. Events that fell due together go out in one batch; a slow sink
// delays the next batch, never reorders it.
import type { AccessEvent } from '../event/index.js';
import type { AttackLaunch, LiveSlice } from './live.js';

/** Shortest wait between batches: about 20 sends a second, whatever the rate. */
export const TICK_MS = 50;

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    }),
};

export interface ReleaseHooks {
  /** Delivers one batch, in event-time order; the next waits for it. */
  readonly send: (events: readonly AccessEvent[]) => Promise<void>;
  /** Called when an attack's first request falls due, before that request is sent. */
  readonly onAttack: (launch: AttackLaunch) => void;
}

export interface Released {
  events: number;
  attacks: number;
}

/** Plays the slices in real time until they end or `signal` aborts. */
export async function release(
  slices: Iterable<LiveSlice>,
  hooks: ReleaseHooks,
  signal: AbortSignal,
  clock: Clock = systemClock,
): Promise<Released> {
  const released: Released = { events: 0, attacks: 0 };
  for (const slice of slices) {
    const { events } = slice;
    const launches = [...slice.attacks];
    let next = 0;
    while (next < events.length && !signal.aborted) {
      const now = clock.now();
      while (launches.length > 0 && launches[0]!.at <= now) {
        hooks.onAttack(launches.shift()!);
        released.attacks += 1;
      }
      let due = next;
      while (due < events.length && events[due]!.ts <= now) due += 1;
      if (due > next) {
        await hooks.send(events.slice(next, due));
        released.events += due - next;
        next = due;
      }
      if (next < events.length) {
        await clock.sleep(Math.max(TICK_MS, events[next]!.ts - clock.now()), signal);
      }
    }
    if (signal.aborted) break;
  }
  return released;
}
