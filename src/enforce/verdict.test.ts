import { describe, expect, it } from 'vitest';
import type { TableMatch } from './table.js';
import {
  DEGRADED_RETRY_AFTER_SECONDS,
  verdictOf,
  type FailMode,
  type TableState,
} from './verdict.js';

const NOW = 1_000_000;

const REFUSING: TableMatch = {
  refusing: {
    id: 'lockout-1',
    rule: 'sequential-id-scan',
    mode: 'enforce',
    expiresAtMs: NOW + 90_500,
    seq: 1,
    subjectKey: 'session:abc',
  },
};
const SHADOW: TableMatch = { shadowRule: 'object-breadth' };
const NOTHING: TableMatch = {};

const REFUSED = {
  outcome: 'refused',
  status: 403,
  headers: {
    'retry-after': '91',
    'x-exfilguard-rule': 'sequential-id-scan',
    'x-exfilguard-lockout-id': 'lockout-1',
    'x-exfilguard-scope': 'session',
    'cache-control': 'no-store',
  },
  rule: 'sequential-id-scan',
  lockoutId: 'lockout-1',
  retryAfterSeconds: 91,
};

const DEGRADED_REFUSED = (state: TableState) => ({
  outcome: 'degraded_refused',
  status: 403,
  headers: {
    'x-exfilguard-degraded': state,
    'retry-after': String(DEGRADED_RETRY_AFTER_SECONDS),
    'cache-control': 'no-store',
  },
  retryAfterSeconds: DEGRADED_RETRY_AFTER_SECONDS,
});

const DEGRADED_ALLOWED = (state: TableState) => ({
  outcome: 'degraded_allowed',
  status: 200,
  headers: { 'x-exfilguard-degraded': state },
});

const ALLOWED = { outcome: 'allowed', status: 200, headers: {} };
const SHADOWED = { outcome: 'shadow', status: 200, headers: {}, rule: 'object-breadth' };

// Every table state × fail mode × what the table says, and the verdict expected.
const CASES: [TableState, FailMode, string, TableMatch, object][] = [
  ['current', 'open', 'refusing', REFUSING, REFUSED],
  ['current', 'open', 'shadow', SHADOW, SHADOWED],
  ['current', 'open', 'nothing', NOTHING, ALLOWED],
  ['current', 'closed', 'refusing', REFUSING, REFUSED],
  ['current', 'closed', 'shadow', SHADOW, SHADOWED],
  ['current', 'closed', 'nothing', NOTHING, ALLOWED],
  // Catching up: the table is not used at all (it may hold what was released later).
  ['catching-up', 'open', 'refusing', REFUSING, DEGRADED_ALLOWED('catching-up')],
  ['catching-up', 'open', 'nothing', NOTHING, DEGRADED_ALLOWED('catching-up')],
  ['catching-up', 'closed', 'refusing', REFUSING, DEGRADED_REFUSED('catching-up')],
  ['catching-up', 'closed', 'nothing', NOTHING, DEGRADED_REFUSED('catching-up')],
  // Stale: open keeps the table (right at the last fetch), closed refuses everyone.
  ['stale', 'open', 'refusing', REFUSING, REFUSED],
  ['stale', 'open', 'shadow', SHADOW, SHADOWED],
  ['stale', 'open', 'nothing', NOTHING, ALLOWED],
  ['stale', 'closed', 'refusing', REFUSING, DEGRADED_REFUSED('stale')],
  ['stale', 'closed', 'nothing', NOTHING, DEGRADED_REFUSED('stale')],
];

describe('verdictOf', () => {
  it.each(CASES)('%s, fail %s, table %s', (state, failMode, _what, match, expected) => {
    expect(verdictOf(match, state, failMode, NOW)).toEqual(expected);
  });

  it('Retry-After rounds up and is at least 1 s', () => {
    const at = (msLeft: number) =>
      verdictOf(
        { refusing: { ...REFUSING.refusing!, expiresAtMs: NOW + msLeft } },
        'current',
        'open',
        NOW,
      ).retryAfterSeconds;
    expect(at(1)).toBe(1);
    expect(at(1000)).toBe(1);
    expect(at(1001)).toBe(2);
    expect(at(3_600_000)).toBe(3600);
  });
});
