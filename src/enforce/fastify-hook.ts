// Enforcement inside a Node API, without a sidecar: a Fastify `onRequest` hook that
// refuses locked-out clients with the same 403 and headers as `exfilguard enforce`.
//
//   const enforcer = new Enforcer({ kafka, topic: 'lockouts', logger });
//   await enforcer.start();
//   app.addHook('onRequest', enforceOnRequest(enforcer));
//
// The request's own socket is the client here, unless the API sits behind a proxy
// listed in the enforcer's `identity.trustedProxies`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Enforcer } from './enforcer.js';
import type { Verdict } from './verdict.js';

export interface HookOptions {
  /** Told every verdict (e.g. to count outcomes). */
  readonly onVerdict?: (verdict: Verdict) => void;
}

export function enforceOnRequest(
  enforcer: Enforcer,
  options: HookOptions = {},
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const verdict = enforcer.check({
      remoteAddress: request.socket.remoteAddress,
      headers: request.headers,
    });
    options.onVerdict?.(verdict);
    if (verdict.status === 200) return;
    await reply.code(verdict.status).headers(verdict.headers).send(refusalBody(verdict));
  };
}

/** The JSON body of a refusal: what and until when, never whom. */
export function refusalBody(verdict: Verdict): Record<string, unknown> {
  return {
    error: verdict.outcome === 'refused' ? 'locked_out' : 'enforcer_unavailable',
    ...(verdict.rule !== undefined && { rule: verdict.rule }),
    ...(verdict.lockoutId !== undefined && { lockoutId: verdict.lockoutId }),
    ...(verdict.retryAfterSeconds !== undefined && {
      retryAfterSeconds: verdict.retryAfterSeconds,
    }),
  };
}
