import { describe, expect, it } from 'vitest';
import type { AccessEvent } from '../event/access-event.js';
import * as requestPath from '../request-path/index.js';
import * as normalize from './index.js';
import { normalizeEvent } from './normalize.js';

const event: AccessEvent = {
  ts: 1_431_857_103_000,
  ip: '83.149.9.216',
  method: 'GET',
  path: '/api/users/1042?page=2',
  status: 200,
  bytes: 5120,
  user: 'ann',
};

describe('normalizeEvent', () => {
  it('adds route, object id, query and static flag, keeping every event field', () => {
    // toEqual: absent optional fields are present as undefined (one object shape for all).
    expect(normalizeEvent(event)).toEqual({
      ...event,
      route: '/api/users/:id',
      objectId: '1042',
      idKind: 'numeric',
      numericId: 1042,
      query: 'page=2',
      isStatic: false,
    });
  });

  it('has no id fields when the path has no id', () => {
    const normalized = normalizeEvent({ ...event, path: '/favicon.ico' });
    expect(normalized).toMatchObject({ route: '/favicon.ico', query: '', isStatic: true });
    expect(normalized.objectId).toBeUndefined();
    expect(normalized.numericId).toBeUndefined();
  });

  it('does not change the input event', () => {
    const copy = { ...event };
    normalizeEvent(event);
    expect(event).toStrictEqual(copy);
  });
});

describe('the public surface', () => {
  it('exports the stage, path, query, address and CIDR functions', () => {
    expect(Object.keys(normalize).sort()).toStrictEqual([
      'CidrSet',
      'ID_PLACEHOLDER',
      'MAX_ROUTE_LENGTH',
      'TRUNCATED',
      'actorIp',
      'cidrContains',
      'formatCidr',
      'formatIp',
      'idSpaceRoute',
      'normalizeEvent',
      'normalizePath',
      'parseCidr',
      'parseIp',
      'queryParam',
      'visitQueryParams',
    ]);
  });

  // Path reading moved below the event stage, which caps paths with it (request-path/).
  it('leaves path reading to request-path, which exports the reader, the compactor and percent decoding', () => {
    expect(Object.keys(requestPath).sort()).toStrictEqual([
      'MAX_SEGMENTS',
      'compactPath',
      'decodePercent',
      'pathEnd',
      'pathStart',
      'readSegments',
    ]);
  });
});
