// The normalize stage of the data path: access event → normalized event.
// It adds what rules group on (the route template) and count (the object id);
// it changes none of the event's own fields.
import type { AccessEvent } from '../event/access-event.js';
import { normalizePath, type NormalizedPath } from './route.js';

/** An access event with its path reduced to a route template and an object id. */
export interface NormalizedEvent extends AccessEvent, NormalizedPath {}

/** Adds the route, object id, query and static flag of `event.path`. Never throws. */
export function normalizeEvent(event: AccessEvent): NormalizedEvent {
  return { ...event, ...normalizePath(event.path) };
}
