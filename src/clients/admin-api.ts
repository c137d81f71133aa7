// A client of the admin API (issue 12) for `exfilguard lockouts`. Every answer is
// checked against the zod schemas of contract 2, so a server that answers something
// else (an older version, a proxy's error page, another service on that port) is
// reported as such instead of printed half-right.
//
// node:http / node:https rather than the global fetch: fetch takes no per-request CA
// in Node 20 (that needs undici's Agent, not a dependency here), and EXFILGUARD_ADMIN_CA_FILE
// should trust a private CA for this one connection, not for the whole process as
// NODE_EXTRA_CA_CERTS would.
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import type { AdminClientConfig } from '../config.js';
import {
  lockoutCommandSchema,
  releaseCommandSchema,
  type LockoutCommand,
  type ReleaseCommand,
} from '../decide/lockout.js';
import type { Mode, Scope } from '../vocabulary/scope.js';
import { ExfilguardError } from '../vocabulary/errors.js';

/** A larger answer is not the admin API's: read no further. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export type AdminApiFailure =
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not_found' // 404
  | 'invalid' // 400
  | 'http' // any other non-2xx status
  | 'bad_response' // 2xx, but not the contract's shape
  | 'unreachable' // no connection, DNS or TLS
  | 'timeout'; // no (whole) answer in time

/** A refusal or failure of one call, with what the server said when it said anything. */
export class AdminApiError extends Error {
  constructor(
    readonly failure: AdminApiFailure,
    message: string,
    readonly detail: {
      readonly status?: number;
      readonly serverMessage?: string;
      readonly issues?: unknown;
      readonly code?: string;
    } = {},
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface LockoutFilters {
  readonly scope?: Scope;
  readonly rule?: string;
  readonly mode?: Mode;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface LockoutPage {
  readonly items: readonly LockoutCommand[];
  readonly nextCursor?: string;
}

export interface ManualLockout {
  readonly scope: Scope;
  readonly subject: string;
  /** A duration as the API takes it, e.g. "30m". */
  readonly ttl: string;
  readonly reason: string;
  readonly mode?: Mode;
  readonly ticket?: string;
}

export interface LiftRequest {
  readonly reason: string;
  readonly ticket?: string;
  readonly rule?: string;
  /** "10m", or "0s" for none; unset: the server's default (the rule's window). */
  readonly grace?: string;
}

export interface AdminClient {
  list(filters: LockoutFilters): Promise<LockoutPage>;
  show(id: string): Promise<LockoutCommand>;
  add(lockout: ManualLockout): Promise<LockoutCommand>;
  lift(id: string, lift: LiftRequest): Promise<readonly ReleaseCommand[]>;
}

const pageSchema = z.object({
  items: z.array(lockoutCommandSchema),
  nextCursor: z.string().min(1).optional(),
});
const liftSchema = z.object({ released: z.array(releaseCommandSchema) });
/** The error body of the contract; read leniently, it only words the message. */
const errorSchema = z.object({
  error: z.string().optional(),
  message: z.string().optional(),
  issues: z.unknown().optional(),
});

export function createAdminClient(
  config: AdminClientConfig,
  options: { readonly timeoutMs: number },
): AdminClient {
  const ca = config.caFile === undefined ? undefined : readCa(config.caFile);
  const call = async <T>(
    method: 'GET' | 'POST',
    path: string,
    expected: number,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<T> => {
    const answer = await send(config, ca, options.timeoutMs, method, path, body);
    if (answer.status !== expected) throw refusal(config.url, method, path, answer);
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw badResponse(config.url, method, path, answer.status, 'not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length > 0 ? issue.path.join('.') : 'the body';
      throw badResponse(config.url, method, path, answer.status, `${where}: ${issue.message}`);
    }
    return parsed.data;
  };
  const lockoutPath = (id: string) => `/v1/lockouts/${encodeURIComponent(id)}`;
  return {
    list: (filters) => {
      const query = new URLSearchParams();
      for (const key of ['scope', 'rule', 'mode', 'limit', 'cursor'] as const) {
        const value = filters[key];
        if (value !== undefined) query.set(key, String(value));
      }
      const search = query.size > 0 ? `?${query.toString()}` : '';
      return call('GET', `/v1/lockouts${search}`, 200, pageSchema);
    },
    show: (id) => call('GET', lockoutPath(id), 200, lockoutCommandSchema),
    add: (lockout) => call('POST', '/v1/lockouts', 201, lockoutCommandSchema, lockout),
    lift: async (id, lift) =>
      (await call('POST', `${lockoutPath(id)}/lift`, 200, liftSchema, lift)).released,
  };
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ExfilguardError(
      'CONFIG_INVALID',
      `EXFILGUARD_ADMIN_CA_FILE: cannot read "${file}" (${reason}): give the path of a PEM file`,
    );
  }
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

function send(
  config: AdminClientConfig,
  ca: Buffer | undefined,
  timeoutMs: number,
  method: string,
  path: string,
  body: unknown,
): Promise<Answer> {
  const url = new URL(config.url + path);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: {
          authorization: `Bearer ${config.token}`,
          accept: 'application/json',
          ...(payload !== undefined && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          }),
        },
        ...(ca && { ca }),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        // The timeout also covers the body: a server that stalls mid-answer is cut off.
        res.on('error', (error) => reject(unreachable(config.url, timeoutMs, error)));
        collect(res, config.url).then(resolve, reject);
      },
    );
    req.on('error', (error) => reject(unreachable(config.url, timeoutMs, error)));
    req.end(payload);
  });
}

function collect(res: IncomingMessage, base: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        res.destroy();
        reject(
          new AdminApiError(
            'bad_response',
            `${base} answered more than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB: is EXFILGUARD_ADMIN_URL the exfilguard admin API?`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () =>
      resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

function unreachable(base: string, timeoutMs: number, error: unknown): AdminApiError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ABORT_ERR' || (error as Error).name === 'AbortError' || code === '23') {
    return new AdminApiError(
      'timeout',
      `no answer from the admin API at ${base} within ${timeoutMs / 1000} s: check EXFILGUARD_ADMIN_URL, or wait longer with --timeout`,
      { code: 'TIMEOUT' },
    );
  }
  if (TLS_TRUST_CODES.has(code)) {
    return new AdminApiError(
      'unreachable',
      `the admin API at ${base} presented a certificate not trusted here (${code}): set EXFILGUARD_ADMIN_CA_FILE to the PEM of the CA that signed it`,
      { code },
    );
  }
  return new AdminApiError(
    'unreachable',
    `cannot reach the admin API at ${base} (${code || (error as Error).message}): check EXFILGUARD_ADMIN_URL, and that exfilguard runs there with its admin API on`,
    { code },
  );
}

function badResponse(
  base: string,
  method: string,
  path: string,
  status: number,
  what: string,
): AdminApiError {
  return new AdminApiError(
    'bad_response',
    `the server at ${base} answered ${method} ${pathOnly(path)} with ${status} but not as the admin API does (${what}): is EXFILGUARD_ADMIN_URL the exfilguard admin API, of a version that matches this CLI?`,
    { status },
  );
}

/** An error answer as an AdminApiError; its message is the command's to word. */
function refusal(base: string, method: string, path: string, answer: Answer): AdminApiError {
  let body: z.infer<typeof errorSchema> = {};
  try {
    const parsed = errorSchema.safeParse(JSON.parse(answer.text));
    if (parsed.success) body = parsed.data;
  } catch {
    // Not JSON (a proxy's page): the status alone is reported.
  }
  const failure: AdminApiFailure =
    answer.status === 401
      ? 'unauthenticated'
      : answer.status === 403
        ? 'forbidden'
        : answer.status === 404
          ? 'not_found'
          : answer.status === 400
            ? 'invalid'
            : 'http';
  const said = body.message ? `: ${body.message}` : '';
  return new AdminApiError(
    failure,
    `the admin API at ${base} answered ${method} ${pathOnly(path)} with ${answer.status}${said}`,
    {
      status: answer.status,
      ...(body.message !== undefined && { serverMessage: body.message }),
      ...(body.issues !== undefined && { issues: body.issues }),
    },
  );
}

function pathOnly(path: string): string {
  const query = path.indexOf('?');
  return query < 0 ? path : path.slice(0, query);
}
