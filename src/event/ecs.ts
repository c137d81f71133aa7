// Elastic Common Schema JSON → AccessEvent. ECS fields are gathered into the canonical
// shape and validated by the one canonical schema, so both JSON formats obey the same
// limits; a rejection names the ECS field (`http.response.status_code`), not ours.
// Reference: https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html
import { validateEventFields } from './canonical.js';
import type { ParseOutcome } from './rejection.js';

type JsonObject = Readonly<Record<string, unknown>>;

/** Where each canonical field is read from, first match wins. */
const ECS_SOURCES = {
  ts: ['@timestamp'],
  ip: ['source.ip', 'client.ip'],
  method: ['http.request.method'],
  status: ['http.response.status_code'],
  bytes: ['http.response.body.bytes'],
  user: ['user.name'],
  userAgent: ['user_agent.original'],
  session: ['session.id', 'session'],
  id: ['event.id'],
} as const satisfies Record<string, readonly string[]>;
const ECS_FIELD_SOURCES = Object.entries(ECS_SOURCES);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The value at a dotted ECS path, nested (`{"url":{"path":…}}`, the ECS form) or as one
 * flat dotted key (`{"url.path":…}`, as some shippers write it). Own properties only,
 * so `__proto__` or `constructor` in the input can never redirect a lookup.
 */
function ecsValue(doc: JsonObject, path: string): unknown {
  if (Object.hasOwn(doc, path)) return doc[path];
  let node: unknown = doc;
  for (const key of pathKeys(path)) {
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

const SPLIT_PATHS = new Map<string, readonly string[]>();

/** `a.b.c` → ['a', 'b', 'c'], split once per path for the life of the process. */
function pathKeys(path: string): readonly string[] {
  let keys = SPLIT_PATHS.get(path);
  if (keys === undefined) {
    keys = path.split('.');
    SPLIT_PATHS.set(path, keys);
  }
  return keys;
}

/** True if the object looks like ECS: `@timestamp`, or a nested `http`/`source`/`url`. */
export function looksLikeEcs(doc: JsonObject): boolean {
  if (Object.hasOwn(doc, '@timestamp')) return true;
  return (
    isObject(ecsValue(doc, 'http')) ||
    isObject(ecsValue(doc, 'source')) ||
    isObject(ecsValue(doc, 'url'))
  );
}

/** `url.original`, else `url.path` with `url.query` appended. Returns the field used too. */
function ecsPath(doc: JsonObject): [value: unknown, field: string] {
  const original = ecsValue(doc, 'url.original');
  if (original !== undefined) return [original, 'url.original'];
  const path = ecsValue(doc, 'url.path');
  const query = ecsValue(doc, 'url.query');
  if (typeof path === 'string' && typeof query === 'string' && query !== '') {
    return [`${path}?${query}`, 'url.path'];
  }
  return [path, 'url.path'];
}

export function parseEcs(doc: JsonObject): ParseOutcome {
  const fields: Record<string, unknown> = {};
  const fieldNames: Record<string, string> = {};
  for (const [canonical, sources] of ECS_FIELD_SOURCES) {
    fieldNames[canonical] = sources[0];
    for (const source of sources) {
      const value = ecsValue(doc, source);
      if (value === undefined) continue;
      // `session` may be an ECS-style object ({"id": …}) rather than the string itself.
      if (source === 'session' && isObject(value)) continue;
      fields[canonical] = value;
      fieldNames[canonical] = source;
      break;
    }
  }
  const [path, pathField] = ecsPath(doc);
  if (path !== undefined) fields.path = path;
  fieldNames.path = pathField;
  return validateEventFields(fields, (field) => fieldNames[field] ?? field);
}
