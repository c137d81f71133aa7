import { describe, expect, it } from 'vitest';
import { compileRule } from '../rules/compile.js';
import { ruleSchema } from '../rules/schema.js';
import {
  candidateThresholds,
  distributionOf,
  lockedAt,
  percentile,
  roundUp,
  suggestThreshold,
} from './peak-stats.js';
import { tunedFigures } from './tuned-figures.js';

const ascending = (values: number[]) => new Float64Array(values).sort();
const oneTo = (n: number) => ascending(Array.from({ length: n }, (_, i) => i + 1));

describe('percentiles and lockouts per threshold', () => {
  it('takes the nearest rank: the smallest value with p % of actors at or below it', () => {
    const peaks = oneTo(1000);
    expect(distributionOf(peaks)).toEqual({
      actors: 1000,
      p50: 500,
      p99: 990,
      p999: 999,
      max: 1000,
    });
    expect(percentile(oneTo(10), 99.9)).toBe(10);
    expect(percentile(ascending([7]), 50)).toBe(7);
    expect(distributionOf(new Float64Array(0))).toEqual({
      actors: 0,
      p50: 0,
      p99: 0,
      p999: 0,
      max: 0,
    });
  });

  it('counts the actors at or above a threshold: those it would have locked', () => {
    const peaks = ascending([0, 0, 1, 5, 5, 9]);
    expect(lockedAt(peaks, 0)).toBe(6);
    expect(lockedAt(peaks, 5)).toBe(3);
    expect(lockedAt(peaks, 6)).toBe(1);
    expect(lockedAt(peaks, 10)).toBe(0);
  });

  it('rounds up to values a rule file writes plainly', () => {
    expect(roundUp(7.2, 'count')).toBe(8);
    expect(roundUp(7, 'count')).toBe(7);
    expect(roundUp(1500, 'bytes')).toBe(2048);
    expect(roundUp(1.5 * 1024 * 1024, 'bytes')).toBe(2 * 1024 * 1024);
    expect(roundUp(0.611, 'ratio')).toBe(0.62);
    expect(roundUp(1.4, 'ratio')).toBe(1);
  });
});

describe('the suggested threshold', () => {
  const base = { unit: 'count' as const, margin: 1.5, allowLower: false };

  it('is p99.9 of the actors no rule locks × the margin, when that is above the shipped value', () => {
    // 1,000 honest actors peaking at 1..1000 (p99.9 = 999) and two attackers far above.
    const learnable = oneTo(1000);
    const sorted = ascending([...learnable, 5000, 6000]);
    const s = suggestThreshold({ ...base, sorted, learnable, inForce: 1200, shipped: 50 });
    expect(s.value).toBe(1499); // ceil(999 × 1.5)
    expect(s.lockedInForce).toBe(2);
    expect(s.learntFrom).toBe(1000);
    expect(s.why).toContain('p99.9 of the 1,000 actors no rule in force locks (999) × 1.5');
  });

  it('never goes below the shipped value unless asked', () => {
    const learnable = ascending([0, 0, 1, 2, 3]);
    const kept = suggestThreshold({
      ...base,
      sorted: learnable,
      learnable,
      inForce: 50,
      shipped: 50,
    });
    expect(kept.value).toBe(50);
    expect(kept.margined).toBe(5);
    expect(kept.why).toContain('the shipped value kept');
    const lowered = {
      ...base,
      allowLower: true,
      sorted: learnable,
      learnable,
      inForce: 50,
      shipped: 50,
    };
    expect(suggestThreshold(lowered).value).toBe(5);
  });

  it('learns nothing from the actors the rules lock: an attacker cannot raise the bar', () => {
    // The attackers' peaks are in `sorted` only: the suggestion ignores them.
    const learnable = ascending([10, 20, 30]);
    const sorted = ascending([10, 20, 30, 300, 400]);
    const s = suggestThreshold({ ...base, sorted, learnable, inForce: 50, shipped: 50 });
    expect(s.value).toBe(50);
    expect(lockedAt(sorted, s.value)).toBe(2);
  });

  it('keeps the value in force when no actor is left to learn from', () => {
    const sorted = ascending([80, 90]);
    const s = suggestThreshold({
      ...base,
      sorted,
      learnable: new Float64Array(0),
      inForce: 60,
      shipped: 50,
    });
    expect(s.value).toBe(60);
    expect(s.lockedInForce).toBe(2);
  });

  it('holds a ratio at or below 1', () => {
    const learnable = ascending([0.2, 0.9]);
    const s = suggestThreshold({
      ...base,
      unit: 'ratio',
      sorted: learnable,
      learnable,
      inForce: 0.6,
      shipped: 0.6,
    });
    expect(s.value).toBe(1);
    expect(candidateThresholds('ratio', 0.6, 0.6, 1)).toEqual([0.3, 0.6, 1]);
  });

  it('counts lockouts at the values in force, shipped, suggested, halved, doubled, quadrupled', () => {
    expect(candidateThresholds('count', 80, 50, 120)).toEqual([40, 50, 80, 120, 160, 320]);
  });
});

describe('the figure each threshold field is compared with', () => {
  const compiled = (detect: Record<string, unknown>) =>
    compileRule(
      ruleSchema.parse({
        id: 'r',
        description: 'd',
        key: ['ip'],
        window: '10m',
        detect,
        action: { ttl: '1h', severity: 'high' },
      }),
    );
  const figures = (detect: Record<string, unknown>) => {
    const tuned = tunedFigures(compiled(detect));
    if (!('figures' in tuned)) throw new Error(tuned.untuned);
    return tuned.figures;
  };

  it('enumeration: close ids, only while they are minShare of the new ids', () => {
    const [threshold] = figures({ kind: 'enumeration', threshold: 50, minShare: 0.3 });
    expect(threshold!.field).toBe('threshold');
    expect(threshold!.inForce).toBe(50);
    expect(threshold!.of([40, 100, 1])).toBe(40);
    expect(threshold!.of([40, 200, 1])).toBe(0);
  });

  it('volume: requests alone; bytes only once minRequests answers are counted', () => {
    const [requests, bytes] = figures({
      kind: 'volume',
      requests: 60,
      bytes: '32MB',
      minBytes: '256KB',
      minRequests: 3,
    });
    expect([requests!.field, bytes!.field]).toEqual(['requests', 'bytes']);
    expect(bytes!.inForce).toBe(32 * 1024 * 1024);
    expect(requests!.of([5, 40e6, 0])).toBe(5);
    expect(bytes!.of([5, 40e6, 0])).toBe(40e6);
    expect(bytes!.of([2, 40e6, 0])).toBe(0);
  });

  it('volume without a gate: bytes and records each alone', () => {
    const [bytes, records] = figures({ kind: 'volume', bytes: '20MB', records: 5000 });
    expect(bytes!.of([1, 123, 456])).toBe(123);
    expect(records!.of([1, 123, 456])).toBe(456);
  });

  it('error ratio: errors / requests once minRequests are made', () => {
    const [ratio] = figures({ kind: 'errorRatio', ratio: 0.6, minRequests: 60 });
    expect(ratio!.unit).toBe('ratio');
    expect(ratio!.of([100, 70])).toBeCloseTo(0.7);
    expect(ratio!.of([50, 50])).toBe(0);
  });

  it('a sweep is measured on its route; lockedIdentities is not tuned from traffic', () => {
    const sweep = tunedFigures(compiled({ kind: 'sweep', threshold: 100 }));
    expect('figures' in sweep && sweep.owner).toBe('route');
    expect(tunedFigures(compiled({ kind: 'lockedIdentities', threshold: 3 }))).toHaveProperty(
      'untuned',
    );
  });
});
