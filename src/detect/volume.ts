// Volume: response bytes and/or records summed per actor over the window (bulk
// export). Bucketed: the sum may include up to one bucket of older traffic.
import { formatBytes, formatDuration } from '../vocabulary/units.js';
import { counterObservation, wholeActor, type Detector } from './detector.js';

export const volumeDetector: Detector<'volume'> = {
  kind: 'volume',
  windowKey: wholeActor,
  observe: (event, rule, _detect, key) =>
    counterObservation(event, rule, key, [1, event.bytes, event.records ?? 0]),
  // Figures: requests, bytes, records.
  fireCondition: (detect) => ({ atLeast: [null, detect.bytes ?? null, detect.records ?? null] }),
  describe: (rule, detect, reading) => {
    const [requests = 0, bytes = 0, records = 0] = reading;
    const overBytes = detect.bytes !== undefined && bytes >= detect.bytes;
    const overRecords = detect.records !== undefined && records >= detect.records;
    const what = overRecords && !overBytes ? `${records} records` : formatBytes(bytes);
    return {
      figures: {
        requests,
        bytes,
        records,
        ...(detect.bytes !== undefined && { bytesThreshold: detect.bytes }),
        ...(detect.records !== undefined && { recordsThreshold: detect.records }),
        windowSeconds: rule.window.windowMs / 1000,
      },
      reason: `${what} in ${requests} requests in ${formatDuration(rule.window.windowMs)}`,
    };
  },
};
