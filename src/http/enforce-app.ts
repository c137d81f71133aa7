// The HTTP face of `exfilguard enforce`: the check endpoint gateways call, health,
// readiness and metrics. Built by a factory that never listens (tests use inject()).
//
// The check endpoint answers every method on `/v1/check` and below it, because each
// gateway calls it its own way: nginx auth_request sends a subrequest to a fixed URI,
// Traefik ForwardAuth the original method to the configured address, Envoy's HTTP
// ext_authz the original method and path appended to its path prefix.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { refusalBody, type Enforcer } from '../enforce/index.js';
import type { EnforcerMetrics } from '../enforcer-metrics.js';

export const CHECK_PATH = '/v1/check';

export interface EnforceAppDependencies {
  readonly enforcer: Enforcer;
  readonly metrics: EnforcerMetrics;
  /** More routes on the same port (the CrowdSec-compatible API). */
  readonly plugins?: readonly ((app: FastifyInstance) => void)[];
}

export function buildEnforceApp(deps: EnforceAppDependencies): FastifyInstance {
  const { enforcer, metrics } = deps;
  // A gateway may forward the request's body (ext_authz with_request_body, Traefik
  // forwardBody): drained as it arrives and dropped, never buffered nor parsed, whatever
  // its size or type — the verdict depends on headers and the peer only, and a check must
  // never fail on what the client chose to upload.
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.on('error', (error) => done(error, undefined));
    payload.on('end', () => done(null, undefined));
    payload.resume();
  });

  const check = async (request: FastifyRequest, reply: FastifyReply) => {
    const verdict = enforcer.check({
      remoteAddress: request.socket.remoteAddress,
      headers: request.headers,
    });
    metrics.countCheck(verdict.outcome, verdict.rule);
    reply.code(verdict.status).headers(verdict.headers);
    if (verdict.status === 200) return reply.send();
    return reply.send(refusalBody(verdict));
  };
  app.all(CHECK_PATH, check);
  app.all(`${CHECK_PATH}/*`, check);

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Ready once the topic has been read up to where it stood at start and the broker is
  // in reach: before that the fail mode answers checks.
  app.get('/readyz', async (_request, reply) => {
    const state = enforcer.state();
    const ready = state === 'current';
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      table: state,
      entries: enforcer.table.size,
      failMode: enforcer.failMode,
    });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });

  for (const plugin of deps.plugins ?? []) plugin(app);
  return app;
}
