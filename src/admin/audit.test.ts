import { describe, expect, it } from 'vitest';
import { AuditTrail, InvalidAuditCursorError, auditRecord, auditRecordSchema } from './audit.js';

const record = (n: number) =>
  auditRecord(
    { who: `op${n}`, role: 'operator', action: 'lockout.add', requestId: `r${n}`, outcome: 'ok' },
    Date.parse('2026-03-01T00:00:00Z') + n,
  );

describe('AuditTrail', () => {
  it('lists newest first in pages, keeps each record once, and only the last `capacity`', () => {
    const trail = new AuditTrail(5);
    const records = Array.from({ length: 7 }, (_, i) => record(i));
    for (const r of records) trail.add(r);
    trail.add(records[6]!);
    expect(trail.size).toBe(5);
    const first = trail.list(2);
    expect(first.items.map((r) => r.who)).toEqual(['op6', 'op5']);
    const second = trail.list(2, first.nextCursor);
    expect(second.items.map((r) => r.who)).toEqual(['op4', 'op3']);
    const last = trail.list(2, second.nextCursor);
    expect(last.items.map((r) => r.who)).toEqual(['op2']);
    expect(last.nextCursor).toBeUndefined();
    expect(() => trail.list(2, 'bogus!')).toThrow(InvalidAuditCursorError);
  });

  it('builds records the schema accepts', () => {
    const r = record(1);
    expect(auditRecordSchema.parse(r)).toEqual(r);
    // Strict: a field nobody declared (a token) is refused, not carried along.
    expect(auditRecordSchema.safeParse({ ...r, token: 'x' }).success).toBe(false);
  });
});
