import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../event/access-event.js';
import { EventClock } from './event-time.js';

const NOW = Date.UTC(2026, 11, 1, 0, 0, 0);
const LIMITS = { maxClockSkewMs: 30_000, maxLatenessMs: 3_600_000 };

function event(ts: number): AccessEvent {
  return { ts, ip: '203.0.113.4', method: 'GET', path: '/api/users/1', status: 200, bytes: 1 };
}

describe('EventClock: clock skew (item 4)', () => {
  it('keeps an event up to the skew ahead, and re-times one further ahead to now', () => {
    const clock = new EventClock(LIMITS);
    expect(clock.judge('t:0', event(NOW + 30_000), NOW)).toEqual({
      ok: true,
      event: event(NOW + 30_000),
      retimed: false,
    });
    for (const ahead of [30_001, 3 * 3_600_000, Date.UTC(2199, 0, 1) - NOW]) {
      expect(clock.judge('t:1', event(NOW + ahead), NOW)).toEqual({
        ok: true,
        event: event(NOW),
        retimed: true,
      });
    }
  });

  it('lets no event move a partition more than the skew ahead of the wall clock (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -86_400_000, max: 1e13 }), { maxLength: 50 }),
        (offsets) => {
          const clock = new EventClock(LIMITS);
          for (const offset of offsets) {
            const outcome = clock.judge('t:0', event(NOW + offset), NOW);
            if (outcome.ok)
              expect(outcome.event.ts).toBeLessThanOrEqual(NOW + LIMITS.maxClockSkewMs);
          }
          // …so a real event now is never judged too late because of them.
          expect(clock.judge('t:0', event(NOW), NOW).ok).toBe(true);
        },
      ),
    );
  });
});

describe('EventClock: lateness (item 14)', () => {
  it('dead-letters an event further behind its partition newest than the limit', () => {
    const clock = new EventClock(LIMITS);
    expect(clock.judge('t:0', event(NOW), NOW).ok).toBe(true);
    expect(clock.judge('t:0', event(NOW - 3_600_000), NOW).ok).toBe(true);
    const late = clock.judge('t:0', event(NOW - 3 * 86_400_000), NOW);
    expect(late).toEqual({
      ok: false,
      error: {
        code: 'EVENT_TOO_LATE',
        message:
          'event time 3d 0h behind the newest event of its partition, over EXFILGUARD_MAX_LATENESS (1h 0m): ' +
          'not judged live; replay it with `exfilguard replay`, or raise the limit',
      },
    });
  });

  it('judges a backlog in order however old, and partitions apart', () => {
    const clock = new EventClock(LIMITS);
    const threeDaysAgo = NOW - 3 * 86_400_000;
    for (let i = 0; i < 100; i++) {
      expect(clock.judge('t:0', event(threeDaysAgo + i * 1000), NOW).ok).toBe(true);
    }
    expect(clock.judge('t:1', event(NOW), NOW).ok).toBe(true);
    // Partition 0's newest is three days old: its next old event is not late.
    expect(clock.judge('t:0', event(threeDaysAgo + 50_000), NOW).ok).toBe(true);
  });
});
