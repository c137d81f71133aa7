// The compile step: a `detect:` config parsed by its kind's schema compiles into a
// detector whose needs, observations and verdicts follow that config.
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../normalize/index.js';
import type { WindowKey } from '../window/store.js';
import { bitmapBits, compileDetector, detectSchema, DistinctHash, explain } from './index.js';

const window = { windowMs: 600_000, bucketMs: 60_000 };
const context = { window, distinctHash: DistinctHash.builtIn() };
const base: WindowKey = { rule: 'r', scope: 'ip', subject: '192.0.2.1' };

function compiled(config: unknown) {
  return compileDetector(detectSchema.parse(config), context);
}

function event(fields: Partial<NormalizedEvent>): NormalizedEvent {
  return { ts: 1_000, route: '/api/users/:id', status: 200, bytes: 10, ...fields } as never;
}

describe('compileDetector', () => {
  it('says which events the detector needs: numeric ids for enumeration, object ids for object breadth', () => {
    const needs = (config: unknown) => compiled(config).needs;
    expect(needs({ kind: 'enumeration', threshold: 40 })).toEqual({
      numericId: true,
      objectId: false,
    });
    expect(needs({ kind: 'breadth', of: 'objects', threshold: 150 })).toEqual({
      numericId: false,
      objectId: true,
    });
    for (const config of [
      { kind: 'breadth', of: 'routes', threshold: 150 },
      { kind: 'volume', bytes: '20MB' },
      { kind: 'rate', threshold: 1200 },
      { kind: 'errorRatio', ratio: 0.6, minRequests: 60 },
    ]) {
      expect(needs(config)).toEqual({ numericId: false, objectId: false });
    }
  });

  it('counts errors by the statuses of its own config', () => {
    const detector = compiled({
      kind: 'errorRatio',
      ratio: 0.6,
      minRequests: 60,
      statuses: [401, 403, 404],
    });
    const adds = [404, 403, 500, 200].map((status) => {
      const observation = detector.observe(event({ status }), base);
      return observation.kind === 'counter' ? observation.add : undefined;
    });
    expect(adds).toEqual([
      [1, 1],
      [1, 1],
      [1, 0],
      [1, 0],
    ]);
  });

  it('sizes the breadth bitmap from the threshold and keys the window by actor', () => {
    const detector = compiled({ kind: 'breadth', of: 'objects', threshold: 150 });
    const observation = detector.observe(
      event({ objectId: '7' }),
      detector.windowKey(event({}), base),
    );
    expect(observation).toMatchObject({
      kind: 'distinct',
      key: base,
      window,
      bits: bitmapBits(150),
    });
  });

  it('splits enumeration windows by route', () => {
    const detector = compiled({ kind: 'enumeration', threshold: 40 });
    const key = detector.windowKey(event({ numericId: 12 }), base);
    expect(key).toEqual({ ...base, route: '/api/users/:id' });
    expect(detector.observe(event({ numericId: 12 }), key)).toMatchObject({
      kind: 'sequence',
      id: 12,
      maxGap: 32,
      recentIds: 64,
    });
  });

  it('explains a reading with the fire condition it compiled', () => {
    const detector = compiled({ kind: 'rate', threshold: 1200 });
    expect(explain(detector, [1200], base)).toEqual({
      fired: true,
      figures: { requests: 1200, threshold: 1200, windowSeconds: 600 },
      reason: '1200 requests in 10m',
    });
    expect(explain(detector, [1199], base).fired).toBe(false);
  });
});
