// Locked identities: an address whose sessions are hostile. An address shared by many
// people (an office or carrier NAT) is not locked when one session behind it scrapes:
// that session and user are. But when several of the identities behind it are locked
// out within the window, the address itself is the actor (a scraper rotating sessions,
// or a farm of fake ones): lock it. Counted, per address (the rule's `ip` key): the
// distinct identities (the event's user, else its session) that other rules' granted
// enforce lockouts of sessions and users named, carried by the triggering event's
// address. Fed by lockouts, never by events (src/pipeline/follow-up.ts).
//
// "Most of its sessions are hostile": the locked ones must also be at least `share` of
// the distinct identities the address carried in the window (a second window of the
// address, fed by every event with a session or user: one store step more per such
// event). A carrier NAT with hundreds of people behind it is not locked for three
// scrapers among them; an address whose every session is a fresh fake one is. The
// price, for an attacker: dilution — enough real-looking sessions making a request
// each keep the share down (their scraping sessions are still locked one by one).
// Estimated by linear counting over small bitmaps (breadth.ts): the locked ones exact
// at these counts up to a rare collision of two identities' bits; the carried ones
// within a few per cent up to about 1,000 identities, and past the bitmap's capacity
// the estimate only grows, which raises the bar (the address is left alone).
import { z } from 'zod';
import type { NormalizedEvent } from '../normalize/index.js';
import { threshold } from '../vocabulary/rule-fields.js';
import { formatDuration } from '../vocabulary/units.js';
import { bitmapBits } from './breadth.js';
import { IDENTITIES, type CompileDetector, type Verdict } from './detector.js';
import type { FireCondition, Observation, Reading, WindowKey } from '../window/store.js';

/** Identities an address's count tells apart well (the bitmap's size follows). */
const IDENTITY_CAPACITY = 512;

export const lockedIdentitiesConfig = z
  .object({
    kind: z.literal('lockedIdentities'),
    /** Distinct sessions or users behind one address locked out within the window. */
    threshold,
    /** And at least this share of the distinct identities the address carried. */
    share: z.number().gt(0).max(1).default(0.5),
  })
  .strict();
export type LockedIdentitiesConfig = z.infer<typeof lockedIdentitiesConfig>;

export const compileLockedIdentities: CompileDetector<LockedIdentitiesConfig> = (
  config,
  { window, distinctHash },
) => {
  const bits = bitmapBits(config.threshold);
  const span = formatDuration(window.windowMs);
  const distinct = (event: NormalizedEvent, key: WindowKey, size: number): Observation => ({
    kind: 'distinct',
    key,
    ts: event.ts,
    window,
    bit: distinctHash.bitOf(identityOf(event), size),
    bits: size,
  });
  const observe = (event: NormalizedEvent, key: WindowKey) => distinct(event, key, bits);
  // The locked ones must be `share` of these: the bar is threshold ÷ share identities.
  const carriedBits = bitmapBits(IDENTITY_CAPACITY);
  const fireFor = (identities: Reading | undefined): FireCondition => {
    const carried = identities?.[0] ?? 0;
    return { atLeast: [Math.max(config.threshold, Math.ceil(config.share * carried))] };
  };
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
      observeIdentity: (event, base) =>
        distinct(event, { ...base, route: IDENTITIES }, carriedBits),
      fireFor,
    },
    describe: (reading, key): Omit<Verdict, 'fired'> => {
      const identities = reading[0] ?? 0;
      if (key.route === IDENTITIES)
        return {
          figures: { identities, share: config.share, windowSeconds: window.windowMs / 1000 },
          reason: `${identities} sessions or users behind one address in ${span}`,
        };
      return {
        figures: {
          lockedIdentities: identities,
          threshold: config.threshold,
          share: config.share,
          windowSeconds: window.windowMs / 1000,
          scopeReason:
            `${identities} sessions or users behind this address locked out in ${span}, ` +
            `at least ${config.share * 100} % of those it carried`,
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
