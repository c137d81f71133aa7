import { describe, expect, it } from 'vitest';
import { idRanges, orderIds } from './id-ranges.js';

describe('idRanges', () => {
  it('joins consecutive numbers and keeps gaps apart, in number order', () => {
    expect(idRanges(['1043', '1041', '1042', '1045', '7'])).toEqual([
      { first: '7', last: '7', count: 1 },
      { first: '1041', last: '1043', count: 3 },
      { first: '1045', last: '1045', count: 1 },
    ]);
  });

  it('runs business keys on their last digit group, with their padding', () => {
    const ids = ['INV-2026-000124', 'INV-2026-000123', 'INV-2026-000125', 'EMP_00042', 'EMP_00043'];
    expect(idRanges(ids)).toEqual([
      { first: 'EMP_00042', last: 'EMP_00043', count: 2 },
      { first: 'INV-2026-000123', last: 'INV-2026-000125', count: 3 },
    ]);
  });

  it('keeps a padded run going past its zeros, and never mixes padded and plain', () => {
    expect(idRanges(['0998', '0999', '1000', '1001'])).toEqual([
      { first: '0998', last: '1001', count: 4 },
    ]);
    expect(idRanges(['5', '06', '7'])).toEqual([
      { first: '5', last: '5', count: 1 },
      { first: '06', last: '06', count: 1 },
      { first: '7', last: '7', count: 1 },
    ]);
    expect(idRanges(['9', '10', '11'])).toEqual([{ first: '9', last: '11', count: 3 }]);
  });

  it('lists ids without a number, or with one too long to be exact, one by one after the rest', () => {
    const long = '1234567890123456789';
    expect(idRanges(['b-uuid', long, '2', 'a-uuid'])).toEqual([
      { first: '2', last: '2', count: 1 },
      { first: long, last: long, count: 1 },
      { first: 'a-uuid', last: 'a-uuid', count: 1 },
      { first: 'b-uuid', last: 'b-uuid', count: 1 },
    ]);
  });

  it('orders ids as the ranges list them', () => {
    const ids = ['x', '12', '10', 'A-2', '11', 'A-1'];
    expect(orderIds(ids)).toEqual(['10', '11', '12', 'A-1', 'A-2', 'x']);
    const expanded = idRanges(ids).map((r) => `${r.first}..${r.last}`);
    expect(expanded).toEqual(['10..12', 'A-1..A-2', 'x..x']);
  });

  it('costs linear time on a hostile id (no backtracking)', () => {
    const hostile = `${'9'.repeat(50_000)}x${'1'.repeat(50_000)}`;
    const began = performance.now();
    expect(idRanges([hostile])).toHaveLength(1);
    expect(performance.now() - began).toBeLessThan(200);
  });
});
