import { describe, expect, it } from 'vitest';
import { ExfilguardError } from '../vocabulary/errors.js';
import { decodeCommitReply, type ReplyShape } from './commit-reply.js';
import { RedisKeys } from './keys.js';

const alice = { scope: 'user' as const, subject: 'alice' };
const bob = { scope: 'ip' as const, subject: '192.0.2.7' };
const noRoute = (): undefined => undefined;

/** The decoding error of a reply, or a failure when it decodes. */
function refusal(reply: unknown, shape: ReplyShape): ExfilguardError {
  try {
    decodeCommitReply(reply, shape, noRoute);
  } catch (error) {
    expect(error).toBeInstanceOf(ExfilguardError);
    return error as ExfilguardError;
  }
  throw new Error('the reply decoded');
}

describe('decodeCommitReply', () => {
  it('reads each claim after the actors: granted, refused, grace, and none for an actor in conflict', () => {
    const shape = { actors: [alice, bob], claims: 4 };
    const reply = [
      ...[0, -1],
      ...[2, 1, 60_000, 70_000, 3, 2, 30_000, 90_000, 4, 0, 0, 95_000, 0, 0, 0, 0],
    ];
    expect(decodeCommitReply(reply, shape, noRoute)).toEqual({
      pending: [[], null],
      claims: [
        { granted: true, offence: 1, ttlMs: 60_000, lockedUntil: 70_000 },
        { granted: false, offence: 2, ttlMs: 30_000, lockedUntil: 90_000 },
        { granted: false, offence: 0, ttlMs: 0, lockedUntil: 95_000, grace: true },
        null,
      ],
    });
  });

  it("gives each actor its own pending lockouts, with the route opened and the trigger's position", () => {
    const keys = new RedisKeys('a-key-secret-that-is-long-enough-for-tests');
    const sealed = keys.sealRoute('/api/users/:id');
    const granted = { rule: 'scan', ts: 1000, o: 2, t: 60_000, r: [40, 50] };
    const reply = [
      1,
      JSON.stringify({ ...granted, rs: sealed, s: 'logs:0', off: 42 }),
      2,
      JSON.stringify({ rule: 'volume', ts: 2000, o: 1, t: 1000, r: [9] }),
      // Sealed under another secret: the lockout comes back without its route.
      JSON.stringify({
        ...granted,
        rs: new RedisKeys('another-secret-long-enough').sealRoute('/x'),
      }),
    ];
    const shape = { actors: [alice, bob], claims: 0 };
    const { pending } = decodeCommitReply(reply, shape, (text) => keys.openRoute(text));
    expect(pending).toEqual([
      [
        {
          key: { rule: 'scan', scope: 'user', subject: 'alice', route: '/api/users/:id' },
          eventTs: 1000,
          offence: 2,
          ttlMs: 60_000,
          reading: [40, 50],
          position: { stream: 'logs:0', offset: 42 },
        },
      ],
      [
        {
          key: { rule: 'volume', scope: 'ip', subject: '192.0.2.7' },
          eventTs: 2000,
          offence: 1,
          ttlMs: 1000,
          reading: [9],
        },
        {
          key: { rule: 'scan', scope: 'ip', subject: '192.0.2.7' },
          eventTs: 1000,
          offence: 2,
          ttlMs: 60_000,
          reading: [40, 50],
        },
      ],
    ]);
  });

  it('reads a record of the layout before issue 9, its route in clear (legacy)', () => {
    const record = { rule: 'scan', ts: 5, o: 1, t: 10, r: [1, 2], rt: '/files/:id' };
    const shape = { actors: [alice], claims: 0 };
    const { pending } = decodeCommitReply([1, JSON.stringify(record)], shape, noRoute);
    expect(pending[0]![0]!.key.route).toBe('/files/:id');
  });

  it('refuses a reply the script never returns, with STORE_REPLY_INVALID (not retriable)', () => {
    const one = { actors: [alice], claims: 1 };
    const cases: [unknown, RegExp][] = [
      ['OK', /the reply is string, not an array/],
      [[], /expected pending lockouts at entry 0, found the end of the reply/],
      [['0'], /expected pending lockouts at entry 0, found string/],
      [[-2], /pending lockouts: -2 is no count/],
      [[1], /expected pending lockout at entry 1, found the end of the reply/],
      [[1, '{"rule":'], /a pending lockout is not JSON/],
      [[1, '{"rule":"scan","ts":1}'], /a pending lockout lacks rule, ts, o, t or r/],
      [[0, 2, 1, 60_000], /expected lockedUntil at entry 4, found the end of the reply/],
      [[0, 7, 1, 60_000, 70_000], /claim result 7 is not 0, 2, 3 or 4/],
      [[0, 2, 1, 60_000, 70_000, 0], /1 entries after the last claim/],
    ];
    for (const [reply, message] of cases) {
      const error = refusal(reply, one);
      expect(error.code).toBe('STORE_REPLY_INVALID');
      expect(error.retriable).toBe(false);
      expect(error.message).toMatch(message);
    }
  });
});
