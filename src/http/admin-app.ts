// The admin API of `exfilguard run`, on its own port: operators list the lockouts in
// force (read from the compacted lockouts topic, so every instance answers alike), add
// manual ones, lift them, and read the audit trail. Every mutation and every refused
// call leaves an audit record. Built by a factory that never listens (tests use inject()).
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  FailureSlowDown,
  InvalidAuditCursorError,
  InvalidCursorError,
  auditRecord,
  roleAllows,
  type AdminRole,
  type AuditAction,
  type AuditOutcome,
  type AuditRecord,
  type Caller,
  type LockoutDirectory,
  type PublishRecords,
  type SlowDownOptions,
  type TokenAuthenticator,
} from '../admin/index.js';
import {
  LOCKOUT_CONTRACT_VERSION,
  lockoutCommandSchema,
  releaseCommand,
  type LockoutCommand,
} from '../decide/lockout.js';
import { canonicalAddress } from '../enforce/index.js';
import type { Logger } from '../log.js';
import { parseDuration } from '../vocabulary/units.js';
import { adminOpenApi } from './admin-openapi.js';
import {
  MANUAL_RULE,
  addLockoutSchema,
  auditPageSchema,
  auditQuerySchema,
  liftResultSchema,
  liftSchema,
  listQuerySchema,
  lockoutPageSchema,
  type errorSchema,
} from './admin-schemas.js';
import type { LiftRequest } from '../window/store.js';

export interface AdminAppDependencies {
  readonly directory: LockoutDirectory;
  readonly tokens: TokenAuthenticator;
  /** Audit records: written to the topic and the log, listed from its tail. */
  readonly audit: {
    write(record: AuditRecord): Promise<void>;
    readonly trail: { list(limit: number, cursor?: string): z.infer<typeof auditPageSchema> };
  };
  /** Publishes lockouts and releases to the lockouts topic (acknowledged). */
  readonly publish: PublishRecords;
  /** The detector's state follows a lift (windows cleared, grace); absent: topic only. */
  readonly lift?: (request: LiftRequest) => Promise<void>;
  /** Rule id → its window (ms): a lift's default grace. */
  readonly rules: () => ReadonlyMap<string, number>;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly slowDown?: SlowDownOptions;
  /** Each refused login, by why (for the failures counter). */
  readonly onAuthFailure?: (reason: 'missing' | 'unknown') => void;
  /** TLS for the admin port: the PEM certificate (chain) and key. */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer };
}

type ErrorCode = z.infer<typeof errorSchema>['error'];

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

/** What the audit record of a mutation says, filled in as the handler learns it. */
interface AuditDraft {
  action: AuditAction;
  subject?: string;
  rule?: string;
  reason?: string;
  ticket?: string;
  lockoutIds?: string[];
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new ApiError(
    400,
    'invalid',
    `the ${what} is not valid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
    issues,
  );
}

export function buildAdminApp(deps: AdminAppDependencies): FastifyInstance {
  const { directory, tokens, audit, publish, logger } = deps;
  const now = deps.now ?? Date.now;
  const slowDown = new FailureSlowDown(deps.slowDown);
  // No request logging: nothing a caller sends (its token above all) reaches a log line
  // except through the audit record, which names the token, never shows it.
  // Fastify takes TLS at construction; the instance is typed as a plain HTTP one, which
  // is all the routes below need.
  const app = Fastify({
    logger: false,
    genReqId: () => randomUUID(),
    ...(deps.https && { https: { cert: deps.https.cert, key: deps.https.key } }),
  }) as unknown as FastifyInstance;
  const callers = new WeakMap<FastifyRequest, Caller>();
  const drafts = new WeakMap<FastifyRequest, AuditDraft>();

  const writeAudit = async (request: FastifyRequest, outcome: AuditOutcome, draft: AuditDraft) => {
    const caller = callers.get(request);
    const record = auditRecord(
      {
        who: caller?.name ?? 'anonymous',
        ...(caller && { role: caller.role }),
        ...draft,
        requestId: request.id,
        outcome,
      },
      now(),
    );
    // A record the audit topic refused is still in the log line written first.
    await audit.write(record).catch((error: unknown) => {
      logger.error({ err: error, audit: record }, 'the audit topic refused a record');
    });
  };

  /**
   * Authenticates and checks the role before the body is even read; refuses (and audits
   * the refusal) otherwise.
   */
  const guard = (needed: AdminRole) => async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const caller = tokens.authenticate(header);
    const address = request.socket.remoteAddress ?? 'unknown';
    if (caller === undefined) {
      const reason = header === undefined ? 'missing' : 'unknown';
      deps.onAuthFailure?.(reason);
      // A refused mutation is audited once, by the error handler, with its action.
      if (!drafts.has(request)) {
        await writeAudit(request, 'unauthenticated', { action: 'auth.refused' });
      }
      if (reason === 'unknown') await sleep(slowDown.failed(address));
      throw new ApiError(
        401,
        'unauthenticated',
        reason === 'missing'
          ? 'no credentials: send "Authorization: Bearer <token>" with a token named in EXFILGUARD_ADMIN_TOKENS'
          : 'the bearer token is not one of EXFILGUARD_ADMIN_TOKENS: check the token, or its hash in the configuration',
      );
    }
    slowDown.succeeded(address);
    callers.set(request, caller);
    if (!roleAllows(caller.role, needed)) {
      if (!drafts.has(request)) await writeAudit(request, 'forbidden', { action: 'auth.refused' });
      throw new ApiError(
        403,
        'forbidden',
        `the token "${caller.name}" has the role ${caller.role}; ${request.method} ${request.routeOptions.url} needs ${needed} or above`,
      );
    }
  };

  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const draft = drafts.get(request);
    if (error instanceof ApiError) {
      if (draft) await writeAudit(request, error.code, draft);
      return reply.code(error.status).send({
        error: error.code,
        message: error.message,
        ...(error.issues && { issues: error.issues }),
      });
    }
    // Fastify's own refusals (a body that is not JSON, too large).
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      if (draft) await writeAudit(request, 'invalid', draft);
      return reply.code(status).send({
        error: 'invalid',
        message: `the request is not valid: ${(error as Error).message}`,
      });
    }
    logger.error({ err: error, requestId: request.id }, 'admin API request failed');
    if (draft) await writeAudit(request, 'error', draft);
    return reply.code(500).send({
      error: 'error',
      message: `the request failed inside exfilguard (request id ${request.id}); see its log`,
    });
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({
      error: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]}: see GET /openapi.json`,
    }),
  );

  // Mutations: the audit draft exists before authentication, so a refused or invalid
  // call is audited once, with the action it attempted and how it ended.
  const draft = (action: AuditAction) => async (request: FastifyRequest) => {
    drafts.set(request, { action });
  };

  app.get('/v1/lockouts', { onRequest: guard('viewer') }, async (request) => {
    const query = parse(listQuerySchema, request.query, 'query');
    try {
      return lockoutPageSchema.parse(directory.list(query));
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new ApiError(400, 'invalid', error.message);
      throw error;
    }
  });

  app.get<{ Params: { id: string } }>(
    '/v1/lockouts/:id',
    { onRequest: guard('viewer') },
    async (request) => {
      const lockout = directory.get(request.params.id);
      if (lockout === undefined) throw notInForce(request.params.id);
      return lockoutCommandSchema.parse(lockout);
    },
  );

  app.post(
    '/v1/lockouts',
    { onRequest: [draft('lockout.add'), guard('operator')] },
    async (request, reply) => {
      const record = drafts.get(request)!;
      const body = parse(addLockoutSchema, request.body, 'body');
      // The subject as given first: an address refused below is audited as it was sent.
      Object.assign(record, {
        subject: `${body.scope}:${body.subject}`,
        rule: MANUAL_RULE,
        reason: body.reason,
        ...(body.ticket !== undefined && { ticket: body.ticket }),
      });
      const subject = body.scope === 'ip' ? ipSubject(body.subject) : body.subject;
      record.subject = `${body.scope}:${subject}`;
      const nowMs = now();
      const ttlMs = parseDuration(body.ttl)!;
      const lockout: LockoutCommand = lockoutCommandSchema.parse({
        type: 'lockout',
        version: LOCKOUT_CONTRACT_VERSION,
        scope: body.scope,
        subject,
        rule: MANUAL_RULE,
        mode: body.mode,
        id: randomBytes(16).toString('hex'),
        severity: 'high',
        reason: body.reason,
        evidence: { by: callers.get(request)!.name },
        eventTime: new Date(nowMs).toISOString(),
        issuedAt: new Date(nowMs).toISOString(),
        expiresAt: new Date(nowMs + ttlMs).toISOString(),
        ttlSeconds: Math.ceil(ttlMs / 1000),
      });
      await publish([lockout]);
      // Listed here at once; the subscription reads the same record back later.
      directory.applyLockout(lockout, nowMs);
      record.lockoutIds = [lockout.id];
      await writeAudit(request, 'ok', record);
      return reply.code(201).send(lockout);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/lockouts/:id/lift',
    { onRequest: [draft('lockout.lift'), guard('operator')] },
    async (request) => {
      const record = drafts.get(request)!;
      const body = parse(liftSchema, request.body, 'body');
      Object.assign(record, {
        reason: body.reason,
        ...(body.ticket !== undefined && { ticket: body.ticket }),
        ...(body.rule !== undefined && { rule: body.rule }),
      });
      const named = directory.get(request.params.id);
      if (named === undefined) throw notInForce(request.params.id);
      record.subject = `${named.scope}:${named.subject}`;
      const lifted = directory.ofSubject(named.scope, named.subject, body.rule);
      if (lifted.length === 0) {
        throw new ApiError(
          404,
          'not_found',
          `no lockout of ${record.subject} by the rule "${body.rule}" is in force: omit "rule" to lift every lockout of the subject`,
        );
      }
      record.lockoutIds = lifted.map((l) => l.id);
      const nowMs = now();
      const by = {
        releasedBy: callers.get(request)!.name,
        reason: body.reason,
        ...(body.ticket !== undefined && { ticket: body.ticket }),
      };
      const windows = deps.rules();
      const graceMs =
        body.grace !== undefined
          ? parseDuration(body.grace)!
          : Math.max(0, ...lifted.map((l) => windows.get(l.rule) ?? 0));
      // The detector's state first, then the releases: a batch that was granted a lockout
      // before the lift and publishes it after would otherwise land after the release and
      // stand. A store that fails leaves nothing changed, so the lift can simply be retried.
      try {
        await deps.lift?.({
          scope: named.scope,
          subject: named.subject,
          ...(body.rule !== undefined && { rules: [body.rule] }),
          graceUntilMs: nowMs + graceMs,
        });
      } catch (error) {
        logger.error({ err: error, requestId: request.id }, 'lift: the window store failed');
        throw new ApiError(
          500,
          'error',
          `the detector's state (windows, grace) could not follow, so nothing was released: lift again once Redis answers (request id ${request.id})`,
        );
      }
      const released = lifted.map((l) => releaseCommand(l, by, nowMs));
      await publish(released);
      for (const l of lifted) directory.remove(l);
      await writeAudit(request, 'ok', record);
      return liftResultSchema.parse({ released });
    },
  );

  app.get('/v1/audit', { onRequest: guard('admin') }, async (request) => {
    const query = parse(auditQuerySchema, request.query, 'query');
    try {
      return auditPageSchema.parse(audit.trail.list(query.limit, query.cursor));
    } catch (error) {
      if (error instanceof InvalidAuditCursorError) {
        throw new ApiError(400, 'invalid', error.message);
      }
      throw error;
    }
  });

  // The document is the same for every caller: built once.
  const openApi = adminOpenApi();
  app.get('/openapi.json', async () => openApi);

  return app;
}

function notInForce(id: string): ApiError {
  return new ApiError(
    404,
    'not_found',
    `no lockout with id "${id}" is in force (expired, lifted, or never issued): GET /v1/lockouts lists those in force`,
  );
}

/** An address in the canonical form the detector and the enforcer use; a prefix as given. */
function ipSubject(subject: string): string {
  if (subject.includes('/')) return subject;
  const canonical = canonicalAddress(subject);
  if (canonical === undefined) {
    throw new ApiError(400, 'invalid', `"${subject}" is not an IP address`, [
      { path: 'subject', message: 'an IPv4 or IPv6 address' },
    ]);
  }
  return canonical;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
