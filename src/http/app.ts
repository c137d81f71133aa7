// The HTTP face of `exfilguard run`: liveness, readiness and metrics. Built by a
// factory that never listens, so tests use inject(); the composition root listens.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  /** Component name → ready. */
  readonly checks: () => Record<string, boolean>;
}

export interface AppDependencies {
  readonly readiness: ReadinessCheck;
  /** Why the process no longer does its work (the consumer stopped for good); undefined while it does. */
  readonly deadBecause?: () => string | undefined;
  readonly registry: Registry;
}

export function buildApp(deps: AppDependencies): FastifyInstance {
  const app = Fastify({ logger: false });

  // The process is alive and working: restart it if this fails. A consumer that crashed
  // without restarting leaves the process up but consuming nothing: that is a failure.
  app.get('/healthz', async (_request, reply) => {
    const reason = deps.deadBecause?.();
    if (reason === undefined) return { status: 'ok' };
    return reply.code(503).send({ status: 'consumer stopped', reason });
  });

  // Kafka joined, Redis reachable, rules loaded: traffic may be routed here.
  app.get('/readyz', async (_request, reply) => {
    const checks = deps.readiness.checks();
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await deps.registry.metrics();
    return reply.type(deps.registry.contentType).send(body);
  });

  return app;
}
