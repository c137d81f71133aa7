import { describe, expect, it } from 'vitest';
import { Metrics } from '../metrics.js';
import { buildApp } from './app.js';

describe('HTTP app', () => {
  it('reports readiness per component and serves metrics', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.lockouts.inc({
      rule: 'sequential-id-scan',
      scope: 'ip',
      severity: 'high',
      mode: 'enforce',
    });
    let redis = false;
    const app = buildApp({
      readiness: { checks: () => ({ kafka: true, redis, rules: true }) },
      registry: metrics.registry,
    });

    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const notReady = await app.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({
      status: 'not ready',
      checks: { kafka: true, redis: false, rules: true },
    });
    redis = true;
    expect((await app.inject('/readyz')).statusCode).toBe(200);

    const scrape = await app.inject('/metrics');
    expect(scrape.headers['content-type']).toContain('text/plain');
    expect(scrape.body).toContain(
      'exfilguard_lockouts_total{rule="sequential-id-scan",scope="ip",severity="high",mode="enforce"} 1',
    );
    await app.close();
  });

  it('answers /healthz 503 with the reason once the consumer has stopped for good', async () => {
    const consumer: { stoppedBy?: string } = {};
    const app = buildApp({
      readiness: { checks: () => ({ kafka: true }) },
      registry: new Metrics({ processMetrics: false }).registry,
      deadBecause: () => consumer.stoppedBy,
    });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const reason = 'KafkaJSProtocolError: The request included a message larger than the max';
    consumer.stoppedBy = reason;
    const stopped = await app.inject('/healthz');
    expect(stopped.statusCode).toBe(503);
    expect(stopped.json()).toEqual({ status: 'consumer stopped', reason });
    await app.close();
  });
});
