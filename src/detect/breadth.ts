// Breadth: distinct routes, or distinct objects, one actor touched in the window.
// Estimated by linear counting over a bitmap of twice the threshold's bits (rounded
// to a power of two, 64–4096): a standard error at the threshold of estimateError()
// (3.3 % for the shipped threshold of 150; 1.2–9.6 % over the range), a few dozen
// bytes per bucket, and the same answer from both stores. That error holds only for
// values spread at random, so they reach their bit through a keyed hash
// (distinct-hash.ts): ids chosen to share a few bits would need the key secret.
import type { DetectConfig } from '../rules/schema.js';
import { formatDuration } from '../vocabulary/units.js';
import { wholeActor, type Detector } from './detector.js';

type BreadthConfig = Extract<DetectConfig, { kind: 'breadth' }>;

export function bitmapBits(threshold: number): number {
  let bits = 64;
  while (bits < threshold * 2 && bits < 4096) bits *= 2;
  return bits;
}

/**
 * The relative standard error of the estimate when `threshold` distinct values are
 * in the bitmap (Whang et al., 1990): √(m(eᵗ − t − 1)) / n with t = n/m.
 */
export function estimateError(threshold: number): number {
  const bits = bitmapBits(threshold);
  const load = threshold / bits;
  return Math.sqrt(bits * (Math.exp(load) - load - 1)) / threshold;
}

function valueOf(detect: BreadthConfig, route: string, objectId: string | undefined): string {
  return detect.of === 'routes' ? route : `${route}\u0000${objectId ?? ''}`;
}

export const breadthDetector: Detector<'breadth'> = {
  kind: 'breadth',
  windowKey: wholeActor,
  observe: (event, rule, detect, key) => {
    const bits = bitmapBits(detect.threshold);
    return {
      kind: 'distinct',
      key,
      ts: event.ts,
      window: rule.window,
      bit: rule.distinctHash.bitOf(valueOf(detect, event.route, event.objectId), bits),
      bits,
    };
  },
  fireCondition: (detect) => ({ atLeast: [detect.threshold] }),
  describe: (rule, detect, reading) => {
    const distinct = reading[0] ?? 0;
    return {
      figures: {
        [detect.of === 'routes' ? 'distinctRoutes' : 'distinctObjects']: distinct,
        threshold: detect.threshold,
        windowSeconds: rule.window.windowMs / 1000,
      },
      reason: `about ${distinct} distinct ${detect.of} in ${formatDuration(rule.window.windowMs)}`,
    };
  },
};
