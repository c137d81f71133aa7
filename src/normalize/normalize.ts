// The normalize stage of the data path: access event → normalized event.
// It adds what rules group on (the route template) and count (the object id);
// it changes none of the event's own fields.
import type { AccessEvent } from '../event/index.js';
import { normalizePath, type NormalizedPath } from './route.js';

/** An access event with its path reduced to a route template and an object id. */
export interface NormalizedEvent extends AccessEvent, NormalizedPath {}

/** Adds the route, object id, query and static flag of `event.path`. Never throws. */
export function normalizeEvent(event: AccessEvent): NormalizedEvent {
  const path = normalizePath(event.path);
  // Every field named, in one order: one object shape for all events, which V8 builds
  // far faster than two spreads (measured: normalizeEvent was 12 % of a replay's time).
  return {
    ts: event.ts,
    ip: event.ip,
    method: event.method,
    path: event.path,
    status: event.status,
    bytes: event.bytes,
    session: event.session,
    user: event.user,
    userAgent: event.userAgent,
    records: event.records,
    id: event.id,
    route: path.route,
    objectId: path.objectId,
    idKind: path.idKind,
    numericId: path.numericId,
    query: path.query,
    isStatic: path.isStatic,
  };
}
