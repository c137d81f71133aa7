// Breadth: distinct routes, or distinct objects, one actor touched in the window.
// Estimated by linear counting over a bitmap of twice the threshold's bits (rounded
// to a power of two, 64–4096): about 2–3 % standard error at the threshold, a few
// dozen bytes per bucket, and the same answer from both stores.
import type { DetectConfig } from '../rules/schema.js';
import { formatDuration } from '../rules/units.js';
import { wholeActor, type Detector } from './detector.js';

type BreadthConfig = Extract<DetectConfig, { kind: 'breadth' }>;

export function bitmapBits(threshold: number): number {
  let bits = 64;
  while (bits < threshold * 2 && bits < 4096) bits *= 2;
  return bits;
}

/** FNV-1a, 32 bits: cheap, stable across processes, good enough to spread bits. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
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
      bit: fnv1a(valueOf(detect, event.route, event.objectId)) % bits,
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
