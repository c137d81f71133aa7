// Sweep: one route's ids walked in order by many clients that each make only a few
// requests (rotating proxies, fresh sessions), which no actor's own window sees.
// Counted, per route (the window's owner is the route, not an actor): the ids of the
// route's fed events — those without a user (sessions alone included: a sweeper
// adding a fresh fake session to each request still feeds it) — that are new and
// within `maxGap` of one of the route's last `recentIds` distinct fed ids, as the
// enumeration detector counts one actor's. A sweep is on while those close ids reach
// `threshold` and `minShare` of the route's new fed ids in the window.
//
// Who is locked: a participant, an event whose own id was close (the third figure of
// the route's reading: its id sits at the sweep's frontier) while a sweep is on. Its
// most specific identity among the rule's `key` (session, else address) is locked
// through a follow-up step on its own window, which fires at once
// (src/pipeline/follow-up.ts): each new address is locked at its first request at
// the frontier.
//
// Limits, by construction: a sweep whose ids are less than `minShare` of the route's
// fed new ids (benign anonymous or session-only traffic dilutes it), or so slow that
// 63 other fed ids come between two of its own (they push its ids out of the recent
// list), hides; a person opening a record within `maxGap` of the sweep's recent ids
// while it is on (chance ≈ recentIds · (2·maxGap + 1) / size of the id space per
// request) is taken for a participant. Users are not fed: a logged-in person is an
// actor of their own, measured by the per-user rules. Bucketed like enumeration.
import { z } from 'zod';
import { firesOn } from '../window/arithmetic.js';
import { type FireCondition, windowKey } from '../window/store.js';
import { formatDuration } from '../vocabulary/units.js';
import type { CompileDetector } from './detector.js';
import { walkFields, walkFire, walkObservation } from './enumeration.js';

export const sweepConfig = z
  .object({ kind: z.literal('sweep'), ...walkFields({ maxGap: 8, minShare: 0.15 }) })
  .strict();
export type SweepConfig = z.infer<typeof sweepConfig>;

/** A participant's window: [its requests at the frontier, sum of the sweep's close ids and new ids seen then]. */
const PARTICIPANT_FIRE: FireCondition = { atLeast: [1] };

export const compileSweep: CompileDetector<SweepConfig> = (config, { window }) => {
  const { maxGap } = config;
  const sweepFire = walkFire(config);
  const common = (route: string | undefined) => ({
    threshold: config.threshold,
    minShare: config.minShare,
    maxGap,
    route: route ?? '',
    windowSeconds: window.windowMs / 1000,
  });
  const span = formatDuration(window.windowMs);
  return {
    needs: { numericId: true, objectId: false },
    // The participant's: its own window fires at its first request at the frontier.
    fire: PARTICIPANT_FIRE,
    // The route's window is its id space's (observe.ts names the route by idSpaceRoute):
    // a sweep moving between /api/user/N and /api/user?id=N is one walk, one window.
    windowKey: (_event, { rule, scope, subject }) => windowKey(rule, scope, subject, subject),
    observe: (event, key) => walkObservation(event, key, window, config),
    followUp: {
      owner: 'route',
      feeds: (event) => !event.user,
      sweepFire,
      joins: (reading) => reading[2] === 1 && firesOn(sweepFire, reading),
      participant: (event, [closeIds = 0, newIds = 0], key) => ({
        kind: 'counter',
        key,
        ts: event.ts,
        window,
        add: [1, closeIds, newIds],
      }),
    },
    describe: (reading, key) => {
      if (key.scope === 'route') {
        const [closeIds = 0, newIds = 0, thisClose = 0] = reading;
        return {
          figures: {
            sweepSequentialIds: closeIds,
            sweepNewIds: newIds,
            atFrontier: thisClose,
            ...common(key.route),
          },
          reason: `${closeIds} sequential ids on ${key.route ?? '?'} by many clients in ${span}`,
        };
      }
      // The sweep's figures as this participant's requests saw them, on average (one
      // request, mostly: the lockout is claimed at the first).
      const [requests = 0, closeSum = 0, newSum = 0] = reading;
      const per = Math.max(requests, 1);
      const closeIds = Math.round(closeSum / per);
      return {
        figures: {
          participantRequests: requests,
          sweepSequentialIds: closeIds,
          sweepNewIds: Math.round(newSum / per),
          ...common(key.route),
          scopeReason:
            key.scope === 'ip'
              ? 'sweep participant: a request with neither session nor user'
              : `sweep participant: its ${key.scope}, the most specific identity it carried`,
        },
        reason: `took part in a sweep of ${closeIds} sequential ids on ${key.route ?? '?'} in ${span}`,
      };
    },
  };
};
