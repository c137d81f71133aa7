// Breadth: distinct routes, or distinct objects, one actor touched in the window.
// Estimated by linear counting over a bitmap of twice the threshold's bits (rounded
// to a power of two, 64–4096): a standard error at the threshold of estimateError()
// (3.3 % for the shipped threshold of 150; 1.2–9.6 % over the range), a few dozen
// bytes per bucket, and the same answer from both stores. That error holds only for
// values spread at random, so they reach their bit through a keyed hash
// (distinct-hash.ts): ids chosen to share a few bits would need the key secret.
import { z } from 'zod';
import type { NormalizedEvent } from '../normalize/index.js';
import { threshold } from '../vocabulary/rule-fields.js';
import { formatDuration } from '../vocabulary/units.js';
import { wholeActor, type CompileDetector } from './detector.js';

export const breadthConfig = z
  .object({ kind: z.literal('breadth'), of: z.enum(['routes', 'objects']), threshold })
  .strict();
export type BreadthConfig = z.infer<typeof breadthConfig>;

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

function routeOf(event: NormalizedEvent): string {
  return event.route;
}

function routeAndObjectOf(event: NormalizedEvent): string {
  return `${event.route}\u0000${event.objectId ?? ''}`;
}

export const compileBreadth: CompileDetector<BreadthConfig> = (config, context) => {
  const { window, distinctHash } = context;
  const bits = bitmapBits(config.threshold);
  const ofRoutes = config.of === 'routes';
  const valueOf = ofRoutes ? routeOf : routeAndObjectOf;
  return {
    needs: { numericId: false, objectId: !ofRoutes },
    fire: { atLeast: [config.threshold] },
    windowKey: wholeActor,
    observe: (event, key) => ({
      kind: 'distinct',
      key,
      ts: event.ts,
      window,
      bit: distinctHash.bitOf(valueOf(event), bits),
      bits,
    }),
    describe: (reading) => {
      const distinct = reading[0] ?? 0;
      return {
        figures: {
          [ofRoutes ? 'distinctRoutes' : 'distinctObjects']: distinct,
          threshold: config.threshold,
          windowSeconds: window.windowMs / 1000,
        },
        reason: `about ${distinct} distinct ${config.of} in ${formatDuration(window.windowMs)}`,
      };
    },
  };
};
