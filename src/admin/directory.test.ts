import { describe, expect, it } from 'vitest';
import { lockoutRecord } from '../../test/support/lockouts.js';
import { InvalidCursorError, LockoutDirectory } from './directory.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');

function directoryAt(clock: { ms: number }) {
  return new LockoutDirectory(() => clock.ms);
}

describe('LockoutDirectory', () => {
  it('keeps one record per key: a later lockout replaces, a release ends it', () => {
    const clock = { ms: T0 };
    const directory = directoryAt(clock);
    const first = lockoutRecord({ scope: 'ip', subject: '203.0.113.7', ttlMs: 60_000, nowMs: T0 });
    const longer = lockoutRecord({
      scope: 'ip',
      subject: '203.0.113.7',
      ttlMs: 600_000,
      nowMs: T0 + 1,
    });
    const other = lockoutRecord({
      scope: 'ip',
      subject: '203.0.113.7',
      rule: 'slow-id-scan',
      ttlMs: 60_000,
      nowMs: T0,
    });
    directory.applyLockout(first, T0);
    directory.applyLockout(longer, T0);
    directory.applyLockout(other, T0);
    expect(directory.size).toBe(2);
    expect(directory.get(first.id)).toBeUndefined();
    expect(directory.get(longer.id)).toEqual(longer);
    expect(
      directory
        .ofSubject('ip', '203.0.113.7')
        .map((l) => l.id)
        .sort(),
    ).toEqual([longer.id, other.id].sort());
    expect(directory.ofSubject('ip', '203.0.113.7', 'slow-id-scan')).toEqual([other]);
    directory.remove(other);
    expect(directory.get(other.id)).toBeUndefined();
    expect(directory.size).toBe(1);
  });

  it('skips expired records on read, refuses one already expired, and sweeps', () => {
    const clock = { ms: T0 };
    const directory = directoryAt(clock);
    const short = lockoutRecord({ scope: 'user', subject: 'mallory', ttlMs: 1000, nowMs: T0 });
    const stale = lockoutRecord({ scope: 'user', subject: 'eve', ttlMs: -1, nowMs: T0 });
    directory.applyLockout(short, T0);
    directory.applyLockout(stale, T0);
    expect(directory.size).toBe(1);
    clock.ms = T0 + 1000;
    expect(directory.get(short.id)).toBeUndefined();
    expect(directory.list({ limit: 10 }).items).toEqual([]);
    expect(directory.ofSubject('user', 'mallory')).toEqual([]);
    expect(directory.size).toBe(1);
    expect(directory.sweep()).toBe(1);
    expect(directory.size).toBe(0);
  });

  it('lists newest first, filtered, in pages that neither repeat nor skip', () => {
    const clock = { ms: T0 + 10_000 };
    const directory = directoryAt(clock);
    const records = Array.from({ length: 7 }, (_, i) =>
      lockoutRecord({
        scope: i % 2 === 0 ? 'ip' : 'user',
        subject: `s${i}`,
        rule: i < 4 ? 'sequential-id-scan' : 'manual',
        mode: i === 6 ? 'shadow' : 'enforce',
        ttlMs: 3_600_000,
        // Two share an issue time: the id breaks the tie.
        nowMs: T0 + Math.min(i, 5) * 1000,
      }),
    );
    for (const r of records) directory.applyLockout(r, clock.ms);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = directory.list({ limit: 3, ...(cursor && { cursor }) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    const times = seen.map((id) => Date.parse(directory.get(id)!.issuedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(directory.list({ limit: 7 }).nextCursor).toBeUndefined();

    expect(directory.list({ limit: 10, scope: 'user' }).items.map((r) => r.subject)).toEqual([
      's5',
      's3',
      's1',
    ]);
    expect(directory.list({ limit: 10, rule: 'manual', mode: 'enforce' }).items).toHaveLength(2);
    expect(directory.list({ limit: 10, mode: 'shadow' }).items).toEqual([records[6]]);
  });

  it('refuses a cursor it did not give out', () => {
    const directory = new LockoutDirectory();
    expect(() => directory.list({ limit: 1, cursor: 'not-a-cursor' })).toThrow(InvalidCursorError);
  });
});
