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
  readonly registry: Registry;
}

export function buildApp(deps: AppDependencies): FastifyInstance {
  const app = Fastify({ logger: false });

  // The process is alive and serving: restart it only if this fails.
  app.get('/healthz', async () => ({ status: 'ok' }));

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
