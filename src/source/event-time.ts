// Event time on the streaming path, where the wall clock and the partition give it a
// frame that replay does not need (replay's reorder buffer puts a log in order first).
// Windows slide on event time and ignore what is older than their window, so:
//  - one event dated in the future would move an actor's windows there and blind them
//    to the real events that follow (one event dated 2199, or 3 hours ahead, before a
//    200-id scan: no lockout). An event dated more than maxClockSkewMs ahead of the wall
//    clock is judged at the wall-clock time instead (kept, re-timed, counted): a host
//    with a fast clock still has its traffic judged, at about the right time.
//  - an event far behind its partition's newest event is not live traffic (a log
//    re-sent, a shipper days behind): judged now it would lock out from now for what
//    happened days ago. Past maxLatenessMs behind the newest event of its partition it
//    goes to the dead letters (EVENT_TOO_LATE), to be replayed offline if it matters.
//    Measured against the partition, not the wall clock, so a backlog after an outage,
//    which arrives in order, is still judged.
import type { AccessEvent, EventRejection } from '../event/index.js';

export interface EventTimeLimits {
  /** How far ahead of the wall clock an event may be dated and keep its time. */
  readonly maxClockSkewMs: number;
  /** How far behind its partition's newest event an event may be and still be judged. */
  readonly maxLatenessMs: number;
}

export type TimedOutcome =
  | { readonly ok: true; readonly event: AccessEvent; readonly retimed: boolean }
  | { readonly ok: false; readonly error: EventRejection };

export class EventClock {
  /** Newest event time accepted per `topic:partition` (memory: one number a partition). */
  private readonly newest = new Map<string, number>();

  constructor(private readonly limits: EventTimeLimits) {}

  /** Judges the next event of `stream` (in partition order) at wall-clock time `now`. */
  judge(stream: string, event: AccessEvent, now: number): TimedOutcome {
    const retimed = event.ts > now + this.limits.maxClockSkewMs;
    const ts = retimed ? now : event.ts;
    const newest = this.newest.get(stream) ?? Number.NEGATIVE_INFINITY;
    if (ts < newest - this.limits.maxLatenessMs) return tooLate(newest - ts, this.limits);
    if (ts > newest) this.newest.set(stream, ts);
    return { ok: true, event: retimed ? { ...event, ts } : event, retimed };
  }
}

function tooLate(behindMs: number, limits: EventTimeLimits): TimedOutcome {
  return {
    ok: false,
    error: {
      code: 'EVENT_TOO_LATE',
      message:
        `event time ${duration(behindMs)} behind the newest event of its partition, over ` +
        `EXFILGUARD_MAX_LATENESS (${duration(limits.maxLatenessMs)}): not judged live; ` +
        'replay it with `exfilguard replay`, or raise the limit',
    },
  };
}

/** `3d 0h`, `2h 5m`, `4m 10s`, `950ms`: enough to read, not to compute with. */
function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s >= 86_400) return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return s >= 1 ? `${s}s` : `${ms}ms`;
}
