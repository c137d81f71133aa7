// object-breadth against ids chosen to collide (issue 9, item 2), and the estimate
// against the exact distinct count near the threshold, for any key secret.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../event/access-event.js';
import { DetectionPipeline } from '../pipeline/index.js';
import { compileRule } from '../rules/compile.js';
import { loadRules } from '../rules/shipped.js';
import type { Rule } from '../rules/schema.js';
import { MemoryWindowStore } from '../window/memory-store.js';
import { bitmapBits, estimateError } from './breadth.js';
import { DistinctHash } from './distinct-hash.js';

const ROUTE = '/api/customers/:id';
const START = Date.parse('2026-01-05T09:00:00Z');

/** The hash the bitmap used before it was keyed: FNV-1a, 32 bits, public. */
function unkeyedFnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Ids far apart (no enumeration rule sees a walk) that the unkeyed hash put in 100 of 512 bits. */
function collidingIds(count: number): number[] {
  const ids: number[] = [];
  for (let id = 10_000_019; ids.length < count; id += 7_919) {
    if (unkeyedFnv1a(`${ROUTE}\u0000${id}`) % 512 < 100) ids.push(id);
  }
  return ids;
}

function sessionReads(ids: readonly number[], spanMs: number): AccessEvent[] {
  return ids.map((id, i) => ({
    ts: START + Math.floor((i * spanMs) / ids.length),
    ip: '198.51.100.40',
    method: 'GET',
    path: `/api/customers/${id}`,
    status: 200,
    bytes: 900,
    session: 'chosen-ids',
  }));
}

describe('object-breadth under chosen ids', () => {
  it('locks out a session reading 2,000 records chosen to collide, in 9 minutes', async () => {
    const ids = collidingIds(2000);
    expect(new Set(ids.map((id) => unkeyedFnv1a(`${ROUTE}\u0000${id}`) % 512)).size).toBe(100);
    const { compiled } = await loadRules({
      dirs: [],
      shipped: true,
      distinctHash: DistinctHash.fromSecret('a live detector secret of 32 chars or more'),
    });
    const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore());
    const { lockouts } = await pipeline.process(sessionReads(ids, 9 * 60_000));
    const breadth = lockouts.filter((l) => l.rule === 'object-breadth');
    expect(breadth.map((l) => `${l.scope}:${l.subject}`)).toEqual(['session:chosen-ids']);
    // Near the threshold of 150, not after hundreds more records.
    const at = Date.parse(breadth[0]!.eventTime);
    expect(at - START).toBeLessThan((200 / 2000) * 9 * 60_000);
  });
});

function breadthRule(threshold: number): Rule {
  return {
    id: 'breadth-under-test',
    description: 'property',
    key: ['session'],
    window: 600_000,
    buckets: 10,
    mode: 'enforce',
    match: { includeStatic: false },
    detect: { kind: 'breadth', of: 'objects', threshold },
    action: { ttl: 3_600_000, severity: 'high' },
  } as unknown as Rule;
}

/** The estimate the memory store reads after each id is observed once. */
async function estimateOf(ids: readonly number[], threshold: number, hash: DistinctHash) {
  const rule = compileRule(breadthRule(threshold), hash);
  const key = { rule: rule.rule.id, scope: 'session', subject: 's' } as const;
  const steps = ids.map((id, i) => ({
    observation: rule.detector.observe(
      { ts: START + i, route: ROUTE, objectId: String(id) } as never,
      key,
    ),
    fire: { atLeast: [null] },
    lockout: rule.lockout,
  }));
  const { results } = await new MemoryWindowStore().apply(steps);
  return results.at(-1)!.reading[0]!;
}

describe('the breadth estimate with a keyed hash', () => {
  // Six standard errors: a random key misses by that much about once in 10⁹ cases.
  it('stays within 6 standard errors of the exact count near the threshold, for any secret and ids', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 32, maxLength: 64 }),
        fc.integer({ min: 20, max: 2048 }),
        fc.double({ min: 0.8, max: 1.2, noNaN: true }),
        fc.boolean(),
        async (secret, threshold, near, chosen) => {
          const exact = Math.max(1, Math.round(threshold * near));
          // Chosen: the colliding ids of the old hash; otherwise a random-looking spread.
          const ids = chosen
            ? collidingIds(exact)
            : Array.from({ length: exact }, (_, i) => 5_000_000 + i * 37);
          const estimate = await estimateOf(ids, threshold, DistinctHash.fromSecret(secret));
          const sigma = estimateError(threshold) * threshold;
          expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(6 * sigma);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('misses by more than 2 standard errors in fewer than 10 % of keys (the error is as documented)', async () => {
    const threshold = 150;
    const ids = collidingIds(threshold);
    const sigma = estimateError(threshold) * threshold;
    let outside = 0;
    for (let k = 0; k < 200; k += 1) {
      const estimate = await estimateOf(ids, threshold, DistinctHash.fromSecret(`key-${k}`));
      if (Math.abs(estimate - threshold) > 2 * sigma) outside += 1;
    }
    expect(outside).toBeLessThan(20);
  });

  it('places a value in the same bit for the same secret, and elsewhere for another', () => {
    const a = DistinctHash.fromSecret('secret-a');
    const bits = bitmapBits(150);
    const values = Array.from({ length: 64 }, (_, i) => `${ROUTE}\u0000${i}`);
    const first = values.map((v) => a.bitOf(v, bits));
    expect(values.map((v) => DistinctHash.fromSecret('secret-a').bitOf(v, bits))).toEqual(first);
    expect(values.map((v) => DistinctHash.fromSecret('secret-b').bitOf(v, bits))).not.toEqual(
      first,
    );
    expect(JSON.stringify({ a })).toBe('{"a":"[breadth key from the key secret]"}');
  });
});
