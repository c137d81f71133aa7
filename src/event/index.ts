// The event stage's public surface (contract 1). Other stages import from here only.
export type { AccessEvent } from './access-event.js';
export { canonicalEventSchema, type CanonicalEventInput } from './canonical.js';
export { MAX_RAW_BYTES } from './fields.js';
export { jsonDepthWithin } from './json-depth.js';
export { parseEvent, type EventFormat } from './parse.js';
export {
  EVENT_REJECTION_CODES,
  type EventRejection,
  type EventRejectionCode,
  type ParseOutcome,
} from './rejection.js';
export { peekEventTime } from './peek-time.js';
