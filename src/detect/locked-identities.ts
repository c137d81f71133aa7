// Locked identities: an address whose sessions are hostile. An address shared by many
// people (an office or carrier NAT) is not locked when one session behind it scrapes:
// that session and user are. But when several of the identities behind it are locked
// out within the window, the address itself is the actor (a scraper rotating sessions,
// or a farm of fake ones): lock it. Counted, per address (the rule's `ip` key): the
// distinct identities (the event's user, else its session) that other rules' granted
// enforce lockouts of sessions and users named, carried by the triggering event's
// address. Fed by lockouts, never by events (src/pipeline/follow-up.ts).
//
// "Most of its sessions are hostile" is approximated by an absolute count: weighing it
// against the address's distinct sessions would need a distinct window fed by every
// event with a session (one more store step per event, on the hot path), where this
// one costs a step per granted lockout only. Three unrelated scrapers behind one
// address within an hour are rare; a large carrier NAT may raise the threshold.
// Estimated by linear counting over a small bitmap (breadth.ts): exact at these counts
// up to a rare collision of two identities' bits.
import { z } from 'zod';
import type { NormalizedEvent } from '../normalize/index.js';
import { threshold } from '../vocabulary/rule-fields.js';
import { formatDuration } from '../vocabulary/units.js';
import { bitmapBits } from './breadth.js';
import type { CompileDetector } from './detector.js';
import type { Observation, WindowKey } from '../window/store.js';

export const lockedIdentitiesConfig = z
  .object({
    kind: z.literal('lockedIdentities'),
    /** Distinct sessions or users behind one address locked out within the window. */
    threshold,
  })
  .strict();
export type LockedIdentitiesConfig = z.infer<typeof lockedIdentitiesConfig>;

export const compileLockedIdentities: CompileDetector<LockedIdentitiesConfig> = (
  config,
  { window, distinctHash },
) => {
  const bits = bitmapBits(config.threshold);
  const span = formatDuration(window.windowMs);
  const observe = (event: NormalizedEvent, key: WindowKey): Observation => ({
    kind: 'distinct',
    key,
    ts: event.ts,
    window,
    bit: distinctHash.bitOf(identityOf(event), bits),
    bits,
  });
  return {
    needs: { numericId: false, objectId: false },
    fire: { atLeast: [config.threshold] },
    // Whose window: the address alone (followUp.observeLockout builds the key).
    windowKey: (_event, base) => base,
    observe,
    followUp: {
      owner: 'lockouts',
      observeLockout: (event, locked, base) => {
        if (locked.scope !== 'session' && locked.scope !== 'user') return undefined;
        return observe(event, base);
      },
    },
    describe: (reading) => {
      const identities = reading[0] ?? 0;
      return {
        figures: {
          lockedIdentities: identities,
          threshold: config.threshold,
          windowSeconds: window.windowMs / 1000,
          scopeReason: `${identities} sessions or users behind this address locked out in ${span}`,
        },
        reason: `${identities} sessions or users behind one address locked out in ${span}`,
      };
    },
  };
};

/** One person counts once: their user, else their session (a user's sessions are one). */
function identityOf(event: NormalizedEvent): string {
  return event.user ? `user\u0000${event.user}` : `session\u0000${event.session ?? ''}`;
}
