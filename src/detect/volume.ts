// Volume: response bytes and/or records summed per actor over the window (bulk
// export). Bucketed: the sum may include up to one bucket of older traffic.
import { z } from 'zod';
import { size, threshold } from '../vocabulary/rule-fields.js';
import { formatBytes, formatDuration } from '../vocabulary/units.js';
import { counterObservation, NEEDS_NOTHING, wholeActor, type CompileDetector } from './detector.js';

export const volumeConfig = z
  .object({ kind: z.literal('volume'), bytes: size.optional(), records: threshold.optional() })
  .strict()
  .refine((v) => v.bytes !== undefined || v.records !== undefined, {
    message: 'a volume rule needs "bytes", "records" or both',
  });
export type VolumeConfig = z.infer<typeof volumeConfig>;

export const compileVolume: CompileDetector<VolumeConfig> = (config, { window }) => ({
  needs: NEEDS_NOTHING,
  // Figures: requests, bytes, records.
  fire: { atLeast: [null, config.bytes ?? null, config.records ?? null] },
  windowKey: wholeActor,
  observe: (event, key) =>
    counterObservation(event, window, key, [1, event.bytes, event.records ?? 0]),
  describe: (reading) => {
    const [requests = 0, bytes = 0, records = 0] = reading;
    const overBytes = config.bytes !== undefined && bytes >= config.bytes;
    const overRecords = config.records !== undefined && records >= config.records;
    const what = overRecords && !overBytes ? `${records} records` : formatBytes(bytes);
    return {
      figures: {
        requests,
        bytes,
        records,
        ...(config.bytes !== undefined && { bytesThreshold: config.bytes }),
        ...(config.records !== undefined && { recordsThreshold: config.records }),
        windowSeconds: window.windowMs / 1000,
      },
      reason: `${what} in ${requests} requests in ${formatDuration(window.windowMs)}`,
    };
  },
});
