import { describe, expect, it } from 'vitest';
import { looksLikeEcs, parseEcs } from './ecs.js';

const T = Date.UTC(2015, 4, 17, 10, 5, 3);

/** A Filebeat-style nested ECS document. */
function ecsDoc(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@timestamp': '2015-05-17T10:05:03.000Z',
    source: { ip: '83.149.9.216' },
    http: { request: { method: 'GET' }, response: { status_code: 200, body: { bytes: 203023 } } },
    url: { original: '/presentations/?page=2' },
    user_agent: { original: 'curl/8.0' },
    ...patch,
  };
}

describe('parseEcs', () => {
  it('maps nested ECS fields onto the access event', () => {
    expect(parseEcs(ecsDoc())).toStrictEqual({
      ok: true,
      event: {
        ts: T,
        ip: '83.149.9.216',
        method: 'GET',
        path: '/presentations/?page=2',
        status: 200,
        bytes: 203023,
        userAgent: 'curl/8.0',
      },
    });
  });

  it('reads client.ip, url.path + url.query, user.name, session.id and event.id', () => {
    const doc = ecsDoc({
      source: undefined,
      client: { ip: '2001:db8::7' },
      url: { path: '/api/users/1042', query: 'fields=all' },
      user: { name: 'alice' },
      session: { id: 'sess-9' },
      event: { id: 'evt-1', dataset: 'nginx.access' },
    });
    const outcome = parseEcs(doc);
    expect(outcome.ok && outcome.event).toMatchObject({
      ip: '2001:db8::7',
      path: '/api/users/1042?fields=all',
      user: 'alice',
      session: 'sess-9',
      id: 'evt-1',
    });
  });

  it('reads flat dotted keys as some shippers write them, and a top-level session string', () => {
    const doc = {
      '@timestamp': T,
      'source.ip': '10.1.2.3',
      'http.request.method': 'POST',
      'url.original': 'https://shop.example/export?all=1',
      'http.response.status_code': 201,
      session: 'abc',
    };
    expect(parseEcs(doc)).toStrictEqual({
      ok: true,
      event: {
        ts: T,
        ip: '10.1.2.3',
        method: 'POST',
        path: '/export?all=1',
        status: 201,
        bytes: 0,
        session: 'abc',
      },
    });
  });

  it.each([
    [
      'http.response.status_code: expected integer, got "OK"',
      { http: { request: { method: 'GET' }, response: { status_code: 'OK' } } },
    ],
    ['source.ip: required field is missing', { source: {} }],
    [
      'source.ip: expected an IPv4 or IPv6 address, got "gateway-1"',
      { source: { ip: 'gateway-1' } },
    ],
    ['client.ip: expected string, got 7', { source: undefined, client: { ip: 7 } }],
    ['url.path: required field is missing', { url: {} }],
    ['url.path: expected a path starting with "/", got "x?q"', { url: { path: 'x', query: 'q' } }],
    [
      '@timestamp: expected ISO-8601 time with timezone, got "17/May/2015"',
      { '@timestamp': '17/May/2015' },
    ],
    [
      'http.request.method: required field is missing',
      { http: { response: { status_code: 200 } } },
    ],
  ])('%s', (message, patch) => {
    const outcome = parseEcs(ecsDoc(patch));
    expect(outcome.ok ? undefined : outcome.error.message).toBe(message);
  });

  it('names the ECS field in `field`', () => {
    const outcome = parseEcs(ecsDoc({ user: { name: '' } }));
    expect(outcome.ok ? undefined : outcome.error.field).toBe('user.name');
  });

  it('never follows __proto__ or inherited properties', () => {
    const doc = JSON.parse(
      '{"@timestamp":0,"source":{"__proto__":{"ip":"1.2.3.4"}},' +
        '"http":{"request":{"method":"GET"},"response":{"status_code":200}},"url":{"path":"/"}}',
    ) as Record<string, unknown>;
    const outcome = parseEcs(doc);
    expect(outcome.ok ? undefined : outcome.error.message).toBe(
      'source.ip: required field is missing',
    );
    expect(({} as Record<string, unknown>).ip).toBeUndefined();
  });
});

describe('looksLikeEcs', () => {
  it.each([
    [true, { '@timestamp': 1 }],
    [true, { http: {} }],
    [true, { source: { ip: '1.2.3.4' } }],
    [false, { http: 'x' }],
    [false, { message: 'hello' }],
  ])('%s for %j', (expected, doc) => {
    expect(looksLikeEcs(doc)).toBe(expected);
  });
});
