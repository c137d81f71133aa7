// Start-up's check that the key secret is the one the state in Redis was made under
// (window/key-secret-marker.ts), waiting for Redis to answer it.
import type { Config } from '../config.js';
import type { connectRedis } from '../clients/redis.js';
import type { Logger } from '../log.js';
import { ExfilguardError } from '../vocabulary/errors.js';
import { checkKeySecretMarker } from '../window/key-secret-marker.js';

export interface StartOptions {
  /** Replace the key-secret marker of another secret (`run --rotate-key-secret`). */
  readonly rotateKeySecret?: boolean;
}

/** How long start-up waits for Redis to answer the key-secret check. */
const REDIS_AT_START_MS = 30_000;

/**
 * Refuses to start on state made under another key secret (window/key-secret-marker.ts).
 * Redis must answer for that: start-up waits for it, up to REDIS_AT_START_MS.
 */
export async function checkKeySecret(
  redis: ReturnType<typeof connectRedis>,
  config: Config,
  logger: Logger,
  options: StartOptions,
): Promise<void> {
  const marker = {
    secret: config.keySecret,
    prefix: config.redis.keyPrefix,
    rotate: options.rotateKeySecret ?? false,
  };
  const deadline = Date.now() + REDIS_AT_START_MS;
  let waitMs = config.redis.retryMinMs;
  for (;;) {
    try {
      const found = await checkKeySecretMarker(redis, marker);
      if (found.outcome === 'rotated') {
        logger.warn(
          { marker: found.key },
          'key secret rotated: the state made under the previous secret is abandoned and expires by itself',
        );
      } else if (options.rotateKeySecret) {
        logger.info(
          { marker: found.key },
          '--rotate-key-secret: the secret was already this one; nothing rotated (drop the flag)',
        );
      }
      return;
    } catch (error) {
      if (error instanceof ExfilguardError) throw error;
      if (Date.now() + waitMs > deadline) {
        throw new ExfilguardError(
          'STORE_UNAVAILABLE',
          `Redis did not answer within ${REDIS_AT_START_MS / 1000} s of start (${(error as Error).message}): ` +
            'check EXFILGUARD_REDIS_URL (or EXFILGUARD_REDIS_CLUSTER_NODES) and that Redis is up',
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waitMs = Math.min(config.redis.retryMaxMs, waitMs * 2);
    }
  }
}
