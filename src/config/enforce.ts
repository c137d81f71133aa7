// The configuration of `exfilguard enforce`: the Kafka connection, the lockouts topic and
// the ENFORCE_* settings.
import type { LogFormat } from '../log.js';
import { environmentFields } from './fields.js';
import { checkSasl, connectionOf, type KafkaConnection } from './kafka.js';
import { parseEnvironment } from './parse.js';
import type { LogLevel } from './run-fields.js';

export const enforceEnvironmentSchema = environmentFields
  .pick({
    KAFKA_BROKERS: true,
    KAFKA_CLIENT_ID: true,
    KAFKA_SASL_MECHANISM: true,
    KAFKA_SASL_USERNAME: true,
    KAFKA_SASL_PASSWORD: true,
    KAFKA_TLS: true,
    KAFKA_TLS_CA_FILE: true,
    LOCKOUT_TOPIC: true,
    LOG_LEVEL: true,
    LOG_FORMAT: true,
    ENFORCE_HOST: true,
    ENFORCE_PORT: true,
    ENFORCE_FAIL_MODE: true,
    ENFORCE_STALE_AFTER: true,
    ENFORCE_TRUSTED_PROXIES: true,
    ENFORCE_CLIENT_ADDRESS_HEADER: true,
    ENFORCE_SESSION_COOKIE: true,
    ENFORCE_SESSION_HEADER: true,
    ENFORCE_SESSION_HASH: true,
    ENFORCE_SESSION_HASH_LENGTH: true,
    ENFORCE_USER_HEADER: true,
    ENFORCE_BOUNCER_KEYS: true,
  })
  .superRefine(checkSasl);

export interface EnforceConfig {
  readonly kafka: KafkaConnection;
  readonly lockoutTopic: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly http: { readonly host: string; readonly port: number };
  readonly failMode: 'open' | 'closed';
  readonly staleAfterMs: number;
  readonly identity: {
    readonly trustedProxies: readonly string[];
    readonly clientAddressHeader: 'x-forwarded-for' | 'x-real-ip';
    readonly sessionCookie?: string;
    readonly sessionHeader?: string;
    readonly sessionHash: 'none' | 'sha256';
    readonly sessionHashLength: number;
    readonly userHeader?: string;
  };
  /** CrowdSec bouncer name → SHA-256 (hex) of its API key; empty: endpoints off. */
  readonly bouncerKeys: ReadonlyMap<string, string>;
}

/** Reads what `exfilguard enforce` needs; throws CONFIG_INVALID like loadConfig. */
export function loadEnforceConfig(env: NodeJS.ProcessEnv = process.env): EnforceConfig {
  const e = parseEnvironment(enforceEnvironmentSchema, env);
  return {
    kafka: connectionOf(e),
    lockoutTopic: e.LOCKOUT_TOPIC,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    http: { host: e.ENFORCE_HOST, port: e.ENFORCE_PORT },
    failMode: e.ENFORCE_FAIL_MODE,
    staleAfterMs: e.ENFORCE_STALE_AFTER,
    identity: {
      trustedProxies: e.ENFORCE_TRUSTED_PROXIES,
      clientAddressHeader: e.ENFORCE_CLIENT_ADDRESS_HEADER,
      ...(e.ENFORCE_SESSION_COOKIE && { sessionCookie: e.ENFORCE_SESSION_COOKIE }),
      ...(e.ENFORCE_SESSION_HEADER && { sessionHeader: e.ENFORCE_SESSION_HEADER }),
      sessionHash: e.ENFORCE_SESSION_HASH,
      sessionHashLength: e.ENFORCE_SESSION_HASH_LENGTH,
      ...(e.ENFORCE_USER_HEADER && { userHeader: e.ENFORCE_USER_HEADER }),
    },
    bouncerKeys: new Map(
      (e.ENFORCE_BOUNCER_KEYS ?? []).map((pair) => {
        const colon = pair.indexOf(':');
        return [pair.slice(0, colon), pair.slice(colon + 1)];
      }),
    ),
  };
}
