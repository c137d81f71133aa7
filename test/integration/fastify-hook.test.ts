// The library entry for Node gateways: an Enforcer reading a real broker's lockouts
// topic, and a Fastify API that refuses locked-out clients in its onRequest hook.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LockoutCommand } from '../../src/decide/lockout.js';
import { Enforcer, enforceOnRequest, type Verdict } from '../../src/enforce/index.js';
import { createLogger } from '../../src/log.js';
import { createTopic, testKafka, uniqueName } from '../support/kafka.js';
import { lockoutMessage, lockoutProducer, lockoutRecord } from '../support/lockouts.js';

const brokers = inject('kafkaBrokers');

async function publish(topic: string, records: readonly LockoutCommand[]): Promise<void> {
  const producer = await lockoutProducer(brokers);
  await producer.send({ topic, acks: -1, messages: records.map((r) => lockoutMessage(r, r)) });
  await producer.disconnect();
}

const lockout = (subject: string, rule: string, ttlSeconds: number) =>
  lockoutRecord({ scope: 'ip', subject, rule, ttlMs: ttlSeconds * 1000 });

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('enforceOnRequest in a Fastify API, fed by a real broker', () => {
  const topic = uniqueName('hook.lockouts');
  const verdicts: Verdict[] = [];
  let behindProxy: { enforcer: Enforcer; app: FastifyInstance; url: string };
  let facingClients: { enforcer: Enforcer; app: FastifyInstance; url: string };

  async function api(trustedProxies?: readonly string[]) {
    const enforcer = new Enforcer({
      kafka: testKafka(brokers),
      topic,
      logger: createLogger('silent'),
      ...(trustedProxies && { identity: { trustedProxies } }),
    });
    await enforcer.start();
    await enforcer.untilCaughtUp();
    const app = Fastify();
    app.addHook('onRequest', enforceOnRequest(enforcer, { onVerdict: (v) => verdicts.push(v) }));
    app.get('/api/users/:id', async () => ({ name: 'someone' }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { enforcer, app, url };
  }

  beforeAll(async () => {
    await createTopic(brokers, topic, 2);
    // Behind a proxy on loopback (the default trusted proxies): X-Forwarded-For is the client.
    behindProxy = await api();
    // Facing clients directly: no proxy is trusted, the socket's address is the client.
    facingClients = await api([]);
  });

  afterAll(async () => {
    for (const side of [behindProxy, facingClients]) {
      await side?.app.close();
      await side?.enforcer.stop();
    }
  });

  it('refuses a locked-out client with 403 and Retry-After, and serves the others', async () => {
    const get = (url: string, ip: string) =>
      fetch(`${url}/api/users/7`, { headers: { 'x-forwarded-for': ip } });
    expect((await get(behindProxy.url, '203.0.113.70')).status).toBe(200);

    await publish(topic, [lockout('203.0.113.70', 'sequential-id-scan', 600)]);
    await until(
      async () => (await get(behindProxy.url, '203.0.113.70')).status === 403,
      5000,
      'the lockout to reach the hook',
    );
    const refused = await get(behindProxy.url, '203.0.113.70');
    expect(refused.headers.get('retry-after')).toMatch(/^(59[0-9]|600)$/);
    expect(refused.headers.get('x-exfilguard-rule')).toBe('sequential-id-scan');
    expect(await refused.json()).toMatchObject({ error: 'locked_out', rule: 'sequential-id-scan' });
    expect((await get(behindProxy.url, '203.0.113.71')).status).toBe(200);
    expect(verdicts.some((v) => v.outcome === 'refused')).toBe(true);
  });

  it('judges the socket, not a header the client wrote, when no proxy is trusted', async () => {
    const forged = { headers: { 'x-forwarded-for': '203.0.113.70' } };
    // The locked address in a header from an untrusted peer (this test, on loopback).
    await until(
      async () => facingClients.enforcer.table.size > 0,
      5000,
      'the lockout to reach the second enforcer',
    );
    expect((await fetch(`${facingClients.url}/api/users/7`, forged)).status).toBe(200);
    // Now lock the loopback client itself: the socket's address is what counts.
    await publish(topic, [lockout('127.0.0.1', 'export-volume', 600)]);
    await until(
      async () => (await fetch(`${facingClients.url}/api/users/7`)).status === 403,
      5000,
      'the loopback lockout to reach the hook',
    );
  });
});
