// The check endpoint as Traefik ForwardAuth and Envoy's HTTP ext_authz call it. Neither
// gateway can be installed here, so what they rely on is pinned down instead: how each
// one sends a check (method, path, body, headers), what a refusal and an allow look like,
// and the example configurations in examples/gateways/, parsed, so that they cannot drift
// from the endpoint (path, port, the headers enforce reads and the headers it answers).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadEnforceConfig } from '../../src/config.js';
import { EnforcerMetrics } from '../../src/enforcer-metrics.js';
import { CHECK_PATH, buildEnforceApp } from '../../src/http/enforce-app.js';
import type { Scope } from '../../src/vocabulary/scope.js';
import { TableEnforcer } from '../support/enforcer.js';

const EXAMPLES = join(import.meta.dirname, '../../examples/gateways');
/** The names the examples use: EXFILGUARD_ENFORCE_SESSION_COOKIE, _USER_HEADER. */
const SESSION_COOKIE = 'sid';
const USER_HEADER = 'x-authenticated-user';
const LOCKED_IP = '203.0.113.7';

const enforcer = new TableEnforcer({ sessionCookie: SESSION_COOKIE, userHeader: USER_HEADER });
const app = buildEnforceApp({
  enforcer,
  metrics: new EnforcerMetrics(enforcer, { processMetrics: false }),
});
afterAll(() => app.close());

function lock(scope: Scope, subject: string, rule: string, id: string): void {
  enforcer.lock({ scope, subject, rule, id });
}
lock('ip', LOCKED_IP, 'sequential-id-scan', 'lockout-ip-1');
lock('session', 'sess-locked', 'session-flood', 'lockout-session-1');
lock('user', 'mallory', 'object-breadth', 'lockout-user-1');

/** Envoy: the original method, path_prefix + the original path, the allowed headers. */
const envoyCheck = (headers: Record<string, string>, body = '{"page":1}') =>
  app.inject({
    method: 'POST',
    url: `${CHECK_PATH}/api/users/42?x=1`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });

/** Traefik: the configured address, the original request in X-Forwarded-* headers. */
const traefikCheck = (client: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'GET',
    url: CHECK_PATH,
    headers: {
      'x-forwarded-method': 'DELETE',
      'x-forwarded-uri': '/api/users/42',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.com',
      'x-forwarded-for': client,
      ...headers,
    },
  });

describe('the check endpoint, as the gateways call it', () => {
  it('judges an Envoy check (POST below the prefix, JSON body) by its headers only', async () => {
    const refused = await envoyCheck({ 'x-forwarded-for': LOCKED_IP });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['x-exfilguard-rule']).toBe('sequential-id-scan');
    const allowed = await envoyCheck({ 'x-forwarded-for': '198.51.100.9' });
    expect(allowed.statusCode).toBe(200);
    // A body that would fail to parse as JSON changes nothing: it is never parsed.
    expect((await envoyCheck({ 'x-forwarded-for': LOCKED_IP }, '{not json')).statusCode).toBe(403);
  });

  it('judges a Traefik check (GET, X-Forwarded-*), the rightmost untrusted hop only', async () => {
    expect((await traefikCheck(LOCKED_IP)).statusCode).toBe(403);
    expect((await traefikCheck('198.51.100.9')).statusCode).toBe(200);
    // trustForwardHeader: a client wrote the locked address in its own header first.
    expect((await traefikCheck(`${LOCKED_IP}, 198.51.100.9`)).statusCode).toBe(200);
    expect((await traefikCheck(`198.51.100.9, ${LOCKED_IP}`)).statusCode).toBe(403);
  });

  it('ignores the address headers of a caller that is no trusted proxy', async () => {
    const forged = await app.inject({
      method: 'GET',
      url: CHECK_PATH,
      remoteAddress: '198.51.100.50',
      headers: { 'x-forwarded-for': LOCKED_IP },
    });
    expect(forged.statusCode).toBe(200);
  });

  it('refuses by the session cookie and the user header the examples forward', async () => {
    const session = await traefikCheck('198.51.100.9', {
      cookie: `theme=dark; ${SESSION_COOKIE}=sess-locked`,
    });
    expect(session.statusCode).toBe(403);
    expect(session.headers['x-exfilguard-scope']).toBe('session');
    const user = await envoyCheck({ 'x-forwarded-for': '198.51.100.9', [USER_HEADER]: 'mallory' });
    expect(user.statusCode).toBe(403);
    expect(user.headers['x-exfilguard-scope']).toBe('user');
  });

  it.each(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const)(
    'answers %s, at the path and below it',
    async (method) => {
      for (const url of [CHECK_PATH, `${CHECK_PATH}/any/path?q=1`]) {
        const headers = { 'x-forwarded-for': LOCKED_IP };
        expect((await app.inject({ method, url, headers })).statusCode, url).toBe(403);
        headers['x-forwarded-for'] = '198.51.100.9';
        expect((await app.inject({ method, url, headers })).statusCode, url).toBe(200);
      }
    },
  );

  it('refuses with Retry-After in whole seconds, the rule and lockout id, never whom', async () => {
    const refused = await envoyCheck({ 'x-forwarded-for': LOCKED_IP });
    expect(refused.headers).toMatchObject({
      'x-exfilguard-rule': 'sequential-id-scan',
      'x-exfilguard-lockout-id': 'lockout-ip-1',
      'x-exfilguard-scope': 'ip',
      'cache-control': 'no-store',
    });
    const retryAfter = String(refused.headers['retry-after']);
    expect(retryAfter).toMatch(/^[1-9]\d*$/);
    expect(Number(retryAfter)).toBeLessThanOrEqual(3600);
    expect(refused.json()).toMatchObject({ error: 'locked_out', lockoutId: 'lockout-ip-1' });
    const everything = JSON.stringify(refused.headers) + refused.body;
    expect(everything).not.toContain(LOCKED_IP);
    const user = await envoyCheck({ 'x-forwarded-for': '198.51.100.9', [USER_HEADER]: 'mallory' });
    expect(JSON.stringify(user.headers) + user.body).not.toContain('mallory');
  });

  it('allows with a 2xx and no body', async () => {
    const allowed = await envoyCheck({ 'x-forwarded-for': '198.51.100.9' });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toBe('');
    expect(Object.keys(allowed.headers).filter((name) => name.startsWith('x-exfilguard'))).toEqual(
      [],
    );
  });

  it('answers by its fail mode while it cannot vouch for its table', async () => {
    enforcer.tableState = 'catching-up';
    try {
      const open = await envoyCheck({ 'x-forwarded-for': LOCKED_IP });
      expect(open.statusCode).toBe(200);
      expect(open.headers['x-exfilguard-degraded']).toBe('catching-up');
    } finally {
      enforcer.tableState = 'current';
    }
  });

  // A gateway that forwards the body (Envoy with_request_body, Traefik forwardBody) may
  // send any size: enforce drains and drops it, so the verdict is the headers' alone.
  it('judges a check that carries a body of several MiB by its headers', async () => {
    const body = 'x'.repeat(3 * 1_048_576);
    const allowed = await envoyCheck({ 'x-forwarded-for': '198.51.100.9' }, body);
    expect(allowed.statusCode).toBe(200);
    const refused = await envoyCheck({ 'x-forwarded-for': LOCKED_IP }, body);
    expect(refused.statusCode).toBe(403);
  });
});

// ---------------------------------------------------------------------------------------

function readExample<T>(path: string): T {
  return parse(readFileSync(join(EXAMPLES, path), 'utf8')) as T;
}

/** Envoy's StringMatcher, the two kinds the example uses (an unknown kind matches nothing). */
type StringMatcher = { exact?: string; prefix?: string };
const matches = (patterns: StringMatcher[], name: string) =>
  patterns.some(
    (p) => (p.exact !== undefined && p.exact === name) || (p.prefix && name.startsWith(p.prefix)),
  );

const enforcePort = loadEnforceConfig({ EXFILGUARD_KAFKA_BROKERS: 'kafka:9092' }).http.port;

describe('examples/gateways/traefik', () => {
  interface ForwardAuth {
    address: string;
    trustForwardHeader?: boolean;
    authRequestHeaders?: string[];
    authResponseHeaders?: string[];
  }
  type Dynamic = {
    http: {
      middlewares: Record<string, { forwardAuth?: ForwardAuth }>;
      routers: Record<string, { middlewares?: string[] }>;
    };
  };
  const dynamic = readExample<Dynamic>('traefik/dynamic.yml');
  const forwardAuth = dynamic.http.middlewares.exfilguard?.forwardAuth;

  it('points its ForwardAuth middleware at the check endpoint, used by the router', () => {
    const address = new URL(forwardAuth?.address ?? '');
    expect(address.pathname).toBe(CHECK_PATH);
    expect(Number(address.port)).toBe(enforcePort);
    expect(
      Object.values(dynamic.http.routers).some((r) => r.middlewares?.includes('exfilguard')),
    ).toBe(true);
  });

  it('forwards the session cookie and the user header; the client address is Traefik’s own', () => {
    const sent = (forwardAuth?.authRequestHeaders ?? []).map((name) => name.toLowerCase());
    expect(sent).toEqual(expect.arrayContaining(['cookie', USER_HEADER]));
    expect(forwardAuth?.trustForwardHeader).toBe(false);
  });

  it('copies upstream only headers enforce answers with', async () => {
    enforcer.tableState = 'catching-up';
    const degraded = await traefikCheck('198.51.100.9').finally(() => {
      enforcer.tableState = 'current';
    });
    for (const name of forwardAuth?.authResponseHeaders ?? [])
      expect(degraded.headers, name).toHaveProperty(name.toLowerCase());
  });
});

describe('examples/gateways/envoy', () => {
  interface ExtAuthz {
    http_service: {
      server_uri: { uri: string; cluster: string; timeout: string };
      path_prefix: string;
      authorization_response: { allowed_client_headers: { patterns: StringMatcher[] } };
    };
    allowed_headers: { patterns: StringMatcher[] };
    failure_mode_allow: boolean;
  }
  type Filter = { name: string; typed_config: Record<string, unknown> };
  type Cluster = {
    name: string;
    load_assignment: {
      endpoints: {
        lb_endpoints: { endpoint: { address: { socket_address: { port_value: number } } } }[];
      }[];
    };
  };
  const config = readExample<{
    static_resources: {
      listeners: { filter_chains: { filters: Filter[] }[] }[];
      clusters: Cluster[];
    };
  }>('envoy/envoy.yaml');
  const manager = config.static_resources.listeners[0]!.filter_chains[0]!.filters[0]!.typed_config;
  const filters = manager.http_filters as Filter[];
  const extAuthz = filters.find((f) => f.name === 'envoy.filters.http.ext_authz')
    ?.typed_config as unknown as ExtAuthz;

  it('sends checks to the check endpoint, before the router', () => {
    expect(extAuthz.http_service.path_prefix).toBe(CHECK_PATH);
    expect(filters.at(-1)?.name).toBe('envoy.filters.http.router');
    const cluster = config.static_resources.clusters.find(
      (c) => c.name === extAuthz.http_service.server_uri.cluster,
    );
    const ports = cluster?.load_assignment.endpoints.flatMap((e) =>
      e.lb_endpoints.map((l) => l.endpoint.address.socket_address.port_value),
    );
    expect(ports).toEqual([enforcePort]);
    expect(typeof extAuthz.failure_mode_allow).toBe('boolean');
  });

  it('passes the client address (appended by Envoy), the session cookie and the user', () => {
    expect(manager.use_remote_address).toBe(true);
    for (const name of ['x-forwarded-for', 'cookie', USER_HEADER])
      expect(matches(extAuthz.allowed_headers.patterns, name), name).toBe(true);
  });

  it('passes every header of a refusal back to the client', async () => {
    const refused = await envoyCheck({ 'x-forwarded-for': LOCKED_IP });
    const patterns = extAuthz.http_service.authorization_response.allowed_client_headers.patterns;
    const needed = Object.keys(refused.headers).filter(
      (name) => !['content-length', 'date', 'connection', 'keep-alive'].includes(name),
    );
    expect(needed).toEqual(expect.arrayContaining(['retry-after', 'x-exfilguard-rule']));
    for (const name of needed) expect(matches(patterns, name), name).toBe(true);
  });
});

describe('the example READMEs', () => {
  it.each(['traefik', 'envoy'])('%s says it is untested here and what is', (gateway) => {
    const readme = readFileSync(join(EXAMPLES, gateway, 'README.md'), 'utf8');
    expect(readme).toMatch(/untested/i);
    expect(readme).toContain('test/unit/gateway-contract.test.ts');
  });
});
