// Volume: response bytes and/or records summed per actor over the window (bulk
// export), and optionally the number of large responses (data pulled from search
// and list routes). Figures: [requests, bytes, records].
//  - `minBytes`: only responses of at least this size count (the others say
//    nothing and cost no window step): "far above what a route usually answers",
//    judged by one floor per rule rather than per route, since a route's usual size
//    would need route-level state that an attacker pulling big pages from the start
//    would teach, and that a new route lacks;
//  - `requests`: fires on that many counted responses;
//  - `minRequests`: bytes (or records) fire only once the window holds this many
//    counted responses, so one large download (and a retry or two) stays quiet.
//    The store's fire condition has one ratio with a floor on each side: bytes ≥
//    0 × requests once requests ≥ minRequests and bytes ≥ the threshold, i.e. an
//    AND of the two. One ratio, one gated figure: give bytes or records, not both.
// Bucketed: the sums may include up to one bucket of older traffic.
import { z } from 'zod';
import { size, threshold } from '../vocabulary/rule-fields.js';
import { formatBytes, formatDuration, formatSize } from '../vocabulary/units.js';
import { counterObservation, NEEDS_NOTHING, wholeActor, type CompileDetector } from './detector.js';
import type { FireCondition } from '../window/store.js';

export const volumeConfig = z
  .object({
    kind: z.literal('volume'),
    bytes: size.optional(),
    records: threshold.optional(),
    /** Large responses counted (with `minBytes`: those of at least that size). */
    requests: threshold.optional(),
    /** Responses below this size are not counted at all. */
    minBytes: size.optional(),
    /** Bytes or records fire only once this many responses are counted. */
    minRequests: threshold.optional(),
  })
  .strict()
  .refine((v) => v.bytes !== undefined || v.records !== undefined || v.requests !== undefined, {
    message: 'a volume rule needs "bytes", "records", "requests" or several',
  })
  .superRefine((v, ctx) => {
    if (v.minRequests === undefined || v.minRequests === 1) return;
    if (v.bytes !== undefined && v.records !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['minRequests'],
        message: 'minRequests gates one figure: give "bytes" or "records", not both',
      });
    } else if (v.bytes === undefined && v.records === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['minRequests'],
        message: 'minRequests gates "bytes" or "records": give one of them',
      });
    }
  });
export type VolumeConfig = z.infer<typeof volumeConfig>;

const BYTES = 1;
const RECORDS = 2;

function fireOf(config: VolumeConfig): FireCondition {
  const { bytes = null, records = null, requests = null, minRequests = 1 } = config;
  if (minRequests <= 1) return { atLeast: [requests, bytes, records] };
  // bytes (or records) ≥ 0 × requests, once requests ≥ minRequests and bytes ≥ the threshold.
  const num = bytes !== null ? BYTES : RECORDS;
  const minNum = bytes ?? records ?? 0;
  return { atLeast: [requests], ratio: { num, den: 0, ratio: 0, minDen: minRequests, minNum } };
}

export const compileVolume: CompileDetector<VolumeConfig> = (config, { window }) => {
  const { minBytes } = config;
  return {
    needs:
      minBytes === undefined
        ? NEEDS_NOTHING
        : { numericId: false, objectId: false, accepts: (event) => event.bytes >= minBytes },
    fire: fireOf(config),
    windowKey: wholeActor,
    observe: (event, key) =>
      counterObservation(event, window, key, [1, event.bytes, event.records ?? 0]),
    describe: (reading) => {
      const [requests = 0, bytes = 0, records = 0] = reading;
      const overBytes = config.bytes !== undefined && bytes >= config.bytes;
      const overRecords = config.records !== undefined && records >= config.records;
      const what = overRecords && !overBytes ? `${records} records` : formatBytes(bytes);
      const counted = minBytes === undefined ? '' : ` of ${formatSize(minBytes)} or more`;
      return {
        figures: {
          requests,
          bytes,
          records,
          ...(config.bytes !== undefined && { bytesThreshold: config.bytes }),
          ...(config.records !== undefined && { recordsThreshold: config.records }),
          ...(config.requests !== undefined && { requestsThreshold: config.requests }),
          ...(minBytes !== undefined && { minBytes }),
          ...(config.minRequests !== undefined && { minRequests: config.minRequests }),
          windowSeconds: window.windowMs / 1000,
        },
        reason: `${what} in ${requests} requests${counted} in ${formatDuration(window.windowMs)}`,
      };
    },
  };
};
