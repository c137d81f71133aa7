// `exfilguard enforce`, assembled: the lockouts topic read into a table, the check
// endpoint, health, readiness and metrics on one port. Start-up order: Kafka → HTTP
// (answering at once, with the fail mode until caught up) → caught up.
import type { FastifyInstance } from 'fastify';
import { createKafka, kafkaStartupError } from '../clients/kafka.js';
import type { EnforceConfig } from '../config.js';
import { Enforcer } from '../enforce/index.js';
import { EnforcerMetrics } from '../enforcer-metrics.js';
import { crowdsecApi } from '../http/crowdsec-api.js';
import { buildEnforceApp } from '../http/enforce-app.js';
import type { Logger } from '../log.js';

export interface RunningEnforcer {
  /** The HTTP address, e.g. http://127.0.0.1:9478. */
  readonly url: string;
  readonly enforcer: Enforcer;
  readonly metrics: EnforcerMetrics;
  stop(): Promise<void>;
}

export async function startEnforcer(
  config: EnforceConfig,
  logger: Logger,
): Promise<RunningEnforcer> {
  logger.info(
    {
      topic: config.lockoutTopic,
      brokers: config.kafka.brokers,
      failMode: config.failMode,
      staleAfterMs: config.staleAfterMs,
      trustedProxies: config.identity.trustedProxies,
      clientAddressHeader: config.identity.clientAddressHeader,
      bouncers: [...config.bouncerKeys.keys()],
    },
    'starting exfilguard enforce',
  );
  const kafka = createKafka(config, logger);
  const enforcer = new Enforcer({
    kafka,
    topic: config.lockoutTopic,
    logger,
    identity: config.identity,
    failMode: config.failMode,
    staleAfterMs: config.staleAfterMs,
    groupIdPrefix: `${config.kafka.clientId}-enforce`,
  });
  const metrics = new EnforcerMetrics(enforcer);
  const app = buildEnforceApp({
    enforcer,
    metrics,
    plugins: bouncerPlugins(config, enforcer, logger, metrics),
  });
  try {
    await enforcer.start();
  } catch (error) {
    await enforcer.stop().catch(() => undefined);
    throw kafkaStartupError(error, config);
  }
  let url: string;
  try {
    url = await app.listen({ host: config.http.host, port: config.http.port });
  } catch (error) {
    await enforcer.stop().catch(() => undefined);
    throw error;
  }
  logger.info({ url }, 'check endpoint listening');
  return {
    url,
    enforcer,
    metrics,
    stop: async () => {
      await app.close();
      await enforcer.stop();
    },
  };
}

/** The CrowdSec-compatible API, only when some bouncer key is configured (else its paths 404). */
function bouncerPlugins(
  config: EnforceConfig,
  enforcer: Enforcer,
  logger: Logger,
  metrics: EnforcerMetrics,
): ((app: FastifyInstance) => void)[] {
  if (config.bouncerKeys.size === 0) return [];
  return [crowdsecApi(enforcer, config.bouncerKeys, logger, metrics)];
}
