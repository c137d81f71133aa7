// The attacks of `exfilguard simulate`, one of each kind in turn: which generator,
// at what pace, from which identity, and which shipped rule must catch it on which
// subject (the live simulation test holds every plan to its claim).
import type { Scope } from '../vocabulary/scope.js';
import type { Actor, Identity } from './actor.js';
import { exportPull, idScan, notFoundProbe, rotatingAccountScan, type IdWalk } from './attacks.js';
import { SHUFFLED_RANGE } from './scenario.js';

const SECOND = 1000;

export type AttackKind =
  | 'ascending-scan'
  | 'strided-scan'
  | 'shuffled-scan'
  | 'not-found-probing'
  | 'export-pull'
  | 'rotating-account-scan';

export interface AttackPlan {
  readonly kind: AttackKind;
  /** The shipped rule that must catch it, and whom it locks out. */
  readonly rule: string;
  readonly scope: Scope;
  readonly build: (start: number, seed: number, n: number) => Actor;
}

/** A fresh address per attack, so an earlier lockout never hides a later attack. */
const attackerIp = (n: number) => `203.0.113.${20 + (n % 200)}`;
const tool = (n: number): Identity => ({ ip: attackerIp(n), userAgent: 'python-requests/2.31' });

/** An id scan from the attack's own address, over ids no earlier attack walked. */
function scanPlan(
  order: 'ascending' | 'strided' | 'shuffled',
  route: string,
  everyMs: number,
  idsPerAttack: number,
  walk: Partial<IdWalk> = {},
): AttackPlan {
  return {
    kind: `${order}-scan`,
    rule: 'sequential-id-scan',
    scope: 'ip',
    build: (start, seed, n) =>
      idScan({
        start,
        seed,
        identity: tool(n),
        count: 300,
        order,
        everyMs,
        jitter: 0.2,
        route,
        firstId: 10_000 + n * idsPerAttack,
        ...walk,
      }),
  };
}

/** Paces fast enough that each is caught within seconds to a minute of starting. */
export const ATTACK_PLANS: readonly AttackPlan[] = [
  scanPlan('ascending', '/api/users', 50, 1000),
  scanPlan('strided', '/api/orders', 200, 3000, { stride: 7 }),
  scanPlan('shuffled', '/api/messages', 100, SHUFFLED_RANGE, { range: SHUFFLED_RANGE }),
  {
    kind: 'not-found-probing',
    rule: 'error-probing',
    scope: 'ip',
    build: (start, seed, n) =>
      notFoundProbe({ start, seed, identity: tool(n), count: 300, everyMs: 100, jitter: 0.2 }),
  },
  {
    kind: 'export-pull',
    rule: 'bulk-export',
    scope: 'session',
    build: (start, seed, n) =>
      exportPull({
        start,
        seed,
        identity: { ip: attackerIp(n), session: `s-exp-${seed}-${n}`, user: `contractor${n}` },
        pages: 30,
        everyMs: 3 * SECOND,
        jitter: 0.5,
      }),
  },
  {
    kind: 'rotating-account-scan',
    rule: 'sequential-id-scan',
    scope: 'user',
    build: (start, seed, n) =>
      rotatingAccountScan({
        start,
        seed,
        user: `svc-sync-${n}`,
        count: 400,
        everyMs: 200,
        jitter: 0.5,
        firstId: 50_000 + n * 1000,
      }),
  },
];
