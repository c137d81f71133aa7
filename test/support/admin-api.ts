// A small stand-in for the admin API (issue 12), for tests of its clients: the
// contract's routes, statuses and bodies, a fixed token → role map, and a record of
// every request received. It is our own API's contract, not a fake of a service we
// depend on; the real server has its own tests against the broker.
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { z } from 'zod';
import {
  LOCKOUT_CONTRACT_VERSION,
  releaseCommand,
  type LockoutCommand,
  type ReleaseCommand,
} from '../../src/decide/lockout.js';
import { MODES, SCOPES } from '../../src/vocabulary/scope.js';
import { parseDuration } from '../../src/vocabulary/units.js';
import { runCli } from './cli.js';

export const ADMIN_TOKENS = {
  viewer: 'viewer-token-5f2c9d0e7a1b',
  operator: 'operator-token-8e3a6b4c2d10',
  admin: 'admin-token-1d7f3e9a5c20',
} as const;
const ROLE_RANK = { viewer: 0, operator: 1, admin: 2 } as const;
type Role = keyof typeof ROLE_RANK;

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export interface StubAnswer {
  readonly status: number;
  /** Sent as JSON unless a string. */
  readonly body: unknown;
}

export interface AdminApiStub {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Newest first, as the API lists them. */
  lockouts: LockoutCommand[];
  /** Answers in place of the contract while set (wrong shapes, proxies' pages). */
  override?: (request: ReceivedRequest) => StubAnswer | undefined;
  close(): Promise<void>;
}

export function lockoutFixture(
  n: number,
  overrides: Partial<LockoutCommand> = {},
  nowMs = Date.now(),
): LockoutCommand {
  const ttlSeconds = 3600 * 2;
  return {
    type: 'lockout',
    version: LOCKOUT_CONTRACT_VERSION,
    id: `lk${String(n).padStart(30, '0')}`,
    scope: 'ip',
    subject: `203.0.113.${n}`,
    rule: 'sequential-id-scan',
    mode: 'enforce',
    severity: 'high',
    reason: `walked ${100 + n} ids of /api/orders/{id} in 4m`,
    evidence: { distinctIds: 100 + n, route: '/api/orders/{id}' },
    eventTime: new Date(nowMs - 60_000).toISOString(),
    issuedAt: new Date(nowMs - 59_000).toISOString(),
    // Half a minute over two hours: "2h" in a table however slowly the test runs.
    expiresAt: new Date(nowMs + ttlSeconds * 1000 + 30_000).toISOString(),
    ttlSeconds,
    ...overrides,
  };
}

const addSchema = z
  .object({
    scope: z.enum(SCOPES),
    subject: z.string().min(1),
    ttl: z.string().refine((t) => (parseDuration(t) ?? 0) > 0, 'expected a duration like "30m"'),
    reason: z.string().min(1),
    mode: z.enum(MODES).optional(),
    ticket: z.string().optional(),
  })
  .strict();
const liftSchema = z
  .object({
    reason: z.string().min(1),
    ticket: z.string().optional(),
    rule: z.string().optional(),
    grace: z.string().optional(),
  })
  .strict();

/** Over https when given a key and certificate (PEM), as the admin port may be. */
export async function startAdminApiStub(tls?: {
  readonly key: string;
  readonly cert: string;
}): Promise<AdminApiStub> {
  const stub: AdminApiStub = {
    url: '',
    received: [],
    lockouts: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const listener: RequestListener = (req, res) => {
    void readBody(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://stub');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        body,
      };
      stub.received.push(request);
      const answer = stub.override?.(request) ?? route(stub, request);
      const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        'content-type': typeof answer.body === 'string' ? 'text/html' : 'application/json',
      });
      res.end(payload);
    });
  };
  const server: Server = tls ? createHttpsServer(tls, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (stub as { url: string }).url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return stub;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function route(stub: AdminApiStub, request: ReceivedRequest): StubAnswer {
  const token = /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1];
  const role = (Object.keys(ADMIN_TOKENS) as Role[]).find((r) => ADMIN_TOKENS[r] === token);
  if (role === undefined)
    return {
      status: 401,
      body: { error: 'unauthenticated', message: 'a valid bearer token is required' },
    };
  const needed: Role = request.method === 'GET' ? 'viewer' : 'operator';
  if (ROLE_RANK[role] < ROLE_RANK[needed])
    return {
      status: 403,
      body: { error: 'forbidden', message: `role ${role} may not do this; needs ${needed}` },
    };
  const one = /^\/v1\/lockouts\/([^/]+)(\/lift)?$/.exec(request.path);
  if (request.method === 'GET' && request.path === '/v1/lockouts') return list(stub, request);
  if (request.method === 'POST' && request.path === '/v1/lockouts') return add(stub, request);
  if (one) {
    const id = decodeURIComponent(one[1]!);
    const lockout = stub.lockouts.find((l) => l.id === id);
    if (!lockout)
      return { status: 404, body: { error: 'not_found', message: `no lockout ${id} in force` } };
    if (request.method === 'GET' && !one[2]) return { status: 200, body: lockout };
    if (request.method === 'POST' && one[2]) return lift(stub, lockout, request, role);
  }
  return { status: 404, body: { error: 'not_found', message: 'no such route' } };
}

function invalid(error: z.ZodError): StubAnswer {
  return {
    status: 400,
    body: {
      error: 'invalid',
      message: 'the request body is invalid',
      issues: error.issues.map((i) => ({ path: i.path, message: i.message })),
    },
  };
}

function list(stub: AdminApiStub, request: ReceivedRequest): StubAnswer {
  const { scope, rule, mode, limit, cursor } = request.query;
  const matching = stub.lockouts.filter(
    (l) =>
      (scope === undefined || l.scope === scope) &&
      (rule === undefined || l.rule === rule) &&
      (mode === undefined || l.mode === mode),
  );
  const size = limit === undefined ? 100 : Number(limit);
  const start = cursor === undefined ? 0 : Number(cursor.slice('c'.length));
  const items = matching.slice(start, start + size);
  const next = start + size < matching.length ? `c${start + size}` : undefined;
  return { status: 200, body: { items, ...(next && { nextCursor: next }) } };
}

function add(stub: AdminApiStub, request: ReceivedRequest): StubAnswer {
  const parsed = addSchema.safeParse(request.body);
  if (!parsed.success) return invalid(parsed.error);
  const ttlSeconds = parseDuration(parsed.data.ttl)! / 1000;
  const now = Date.now();
  const lockout = lockoutFixture(stub.lockouts.length + 100, {
    scope: parsed.data.scope,
    subject: parsed.data.subject,
    rule: 'manual',
    mode: parsed.data.mode ?? 'enforce',
    reason: parsed.data.reason,
    evidence: parsed.data.ticket ? { ticket: parsed.data.ticket } : {},
    ttlSeconds,
    expiresAt: new Date(now + ttlSeconds * 1000).toISOString(),
  });
  stub.lockouts.unshift(lockout);
  return { status: 201, body: lockout };
}

function lift(
  stub: AdminApiStub,
  lockout: LockoutCommand,
  request: ReceivedRequest,
  role: Role,
): StubAnswer {
  const parsed = liftSchema.safeParse(request.body);
  if (!parsed.success) return invalid(parsed.error);
  const lifted = stub.lockouts.filter(
    (l) =>
      l.scope === lockout.scope &&
      l.subject === lockout.subject &&
      (parsed.data.rule === undefined || l.rule === parsed.data.rule),
  );
  stub.lockouts = stub.lockouts.filter((l) => !lifted.includes(l));
  const by = {
    releasedBy: `${role}-token`,
    reason: parsed.data.reason,
    ...(parsed.data.ticket !== undefined && { ticket: parsed.data.ticket }),
  };
  const released: ReleaseCommand[] = lifted.map((l) => releaseCommand(l, by, Date.now()));
  return { status: 200, body: { released } };
}

/**
 * For a test file: before each test a fresh stub holding three lockouts (203.0.113.3,
 * user alice in shadow mode, 203.0.113.1; newest first) and a viewer token in the
 * environment; after it, the environment restored and the stub closed.
 */
export function adminApiPerTest(): {
  readonly stub: AdminApiStub;
  readonly useToken: (token: string, url?: string) => void;
} {
  let current: AdminApiStub | undefined;
  beforeEach(async () => {
    current = await startAdminApiStub();
    current.lockouts = [3, 2, 1].map((n) => lockoutFixture(n));
    current.lockouts[1] = {
      ...current.lockouts[1]!,
      scope: 'user',
      subject: 'alice',
      mode: 'shadow',
    };
    useAdminToken(ADMIN_TOKENS.viewer, current.url);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await current?.close();
  });
  return {
    get stub() {
      return current!;
    },
    useToken: (token, url) => useAdminToken(token, url ?? current!.url),
  };
}

/** Points `exfilguard lockouts` at a server with a token (vi.unstubAllEnvs undoes it). */
export function useAdminToken(token: string, url: string): void {
  vi.stubEnv('EXFILGUARD_ADMIN_URL', url);
  vi.stubEnv('EXFILGUARD_ADMIN_TOKEN', token);
}

/** Runs `exfilguard lockouts …` in-process and checks, every time, that no token was printed. */
export async function runLockouts(argv: string[]) {
  const result = await runCli(['lockouts', ...argv]);
  for (const token of Object.values(ADMIN_TOKENS)) {
    expect(result.stdout).not.toContain(token);
    expect(result.stderr).not.toContain(token);
  }
  return result;
}

export const jsonLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
