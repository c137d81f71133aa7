import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadAdminClientConfig, loadConfig, loadKafkaConfig, redactedConfig } from './config.js';
import { ExfilguardError } from './vocabulary/errors.js';
import { createLogger } from './log.js';

const SECRET = 'k'.repeat(40);
const BASE = {
  EXFILGUARD_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
  EXFILGUARD_REDIS_URL: 'redis://:hunter2-redis@127.0.0.1:6380/0',
  EXFILGUARD_KEY_SECRET: SECRET,
};

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ExfilguardError);
    expect((error as ExfilguardError).code).toBe('CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('fills defaults and splits lists', () => {
    const config = loadConfig({ ...BASE, PATH: '/usr/bin' });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(config.topics).toEqual({
      input: 'access-logs',
      lockouts: 'lockouts',
      deadLetters: 'access-logs.dlq',
      audit: 'exfilguard.audit',
    });
    expect(config.admin).toBeUndefined();
    expect(config.redis.retryMaxMs).toBe(5000);
    expect(config.rules).toEqual({ dirs: [], shipped: true });
    expect(config.redis.keyPrefix).toBe('eg');
    expect(config.kafka.sessionTimeoutMs).toBe(10_000);
    expect(config.logFormat).toBe('json');
  });

  it('takes a Redis key prefix without braces, and a log format', () => {
    const config = loadConfig({
      ...BASE,
      EXFILGUARD_REDIS_KEY_PREFIX: 'shop-eu:eg',
      EXFILGUARD_LOG_FORMAT: 'pretty',
    });
    expect(config.redis.keyPrefix).toBe('shop-eu:eg');
    expect(config.logFormat).toBe('pretty');
    // A brace would start a Redis Cluster hash tag before the shard's own.
    expect(refusal({ ...BASE, EXFILGUARD_REDIS_KEY_PREFIX: 'eg{1}' })).toContain(
      'EXFILGUARD_REDIS_KEY_PREFIX: letters, digits',
    );
    expect(refusal({ ...BASE, EXFILGUARD_LOG_FORMAT: 'text' })).toContain('EXFILGUARD_LOG_FORMAT');
  });

  it('names every missing or bad variable', () => {
    const message = refusal({ EXFILGUARD_HTTP_PORT: 'eighty', EXFILGUARD_KEY_SECRET: 'short' });
    expect(message).toContain('EXFILGUARD_KAFKA_BROKERS: required, not set');
    expect(message).toContain('EXFILGUARD_HTTP_PORT:');
    expect(message).toContain('EXFILGUARD_KEY_SECRET: use at least 32 characters');
  });

  it('needs exactly one way to Redis', () => {
    const { EXFILGUARD_REDIS_URL: _url, ...withoutRedis } = BASE;
    expect(refusal(withoutRedis)).toContain(
      'set exactly one of EXFILGUARD_REDIS_URL and EXFILGUARD_REDIS_CLUSTER_NODES',
    );
  });

  it('refuses an unknown EXFILGUARD_ variable (a typo)', () => {
    expect(refusal({ ...BASE, EXFILGUARD_REDIS_ULR: 'x' })).toContain(
      'unknown variable EXFILGUARD_REDIS_ULR',
    );
  });

  it('takes a transactional id of safe characters only', () => {
    const ok = loadConfig({ ...BASE, EXFILGUARD_KAFKA_TRANSACTIONAL_ID: 'exfilguard-0' });
    expect(ok.kafka.transactionalId).toBe('exfilguard-0');
    expect(loadConfig(BASE).kafka.transactionalId).toBeUndefined();
    expect(refusal({ ...BASE, EXFILGUARD_KAFKA_TRANSACTIONAL_ID: 'pod 0/x' })).toContain(
      'EXFILGUARD_KAFKA_TRANSACTIONAL_ID: letters, digits, ".", "_" and "-" only',
    );
  });

  it('requires SASL credentials with a mechanism', () => {
    expect(refusal({ ...BASE, EXFILGUARD_KAFKA_SASL_MECHANISM: 'plain' })).toContain('SASL needs');
  });

  it('never lets a secret into a log line', () => {
    const config = loadConfig({
      ...BASE,
      EXFILGUARD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      EXFILGUARD_KAFKA_SASL_USERNAME: 'detector',
      EXFILGUARD_KAFKA_SASL_PASSWORD: 'hunter2-kafka',
    });
    let output = '';
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => ((output += chunk.toString()), done()),
    });
    const logger = createLogger('info', sink);
    logger.info({ config: redactedConfig(config) }, 'starting');
    logger.info({ sasl: config.kafka.sasl, keySecret: config.keySecret }, 'careless call');
    expect(output).toContain('starting');
    expect(output).not.toContain('hunter2');
    expect(output).not.toContain(SECRET);
  });

  it('masks URL credentials of every setting, cluster nodes with or without a scheme', () => {
    const { EXFILGUARD_REDIS_URL: _url, ...withoutUrl } = BASE;
    const config = loadConfig({
      ...withoutUrl,
      EXFILGUARD_REDIS_CLUSTER_NODES:
        'redis://default:hunter2-a@10.0.0.1:6379, default:hunter2-b@10.0.0.2:6379',
    });
    const logged = JSON.stringify(redactedConfig(config));
    expect(logged).toContain('"redis://[redacted]@10.0.0.1:6379"');
    expect(logged).toContain('"[redacted]@10.0.0.2:6379"');
    expect(logged).not.toContain('hunter2');
  });
});

describe('loadConfig: the admin API', () => {
  const HASH_A = 'a'.repeat(64);
  const HASH_B = 'b'.repeat(64);

  it('reads named tokens with roles and hashes, host 127.0.0.1 by default', () => {
    const config = loadConfig({
      ...BASE,
      EXFILGUARD_ADMIN_PORT: '9479',
      EXFILGUARD_ADMIN_TOKENS: `alice:operator:${HASH_A}, audit-bot:admin:${HASH_B}`,
      EXFILGUARD_AUDIT_TOPIC: 'soc.audit',
    });
    expect(config.admin).toEqual({
      host: '127.0.0.1',
      port: 9479,
      tokens: [
        { name: 'alice', role: 'operator', hash: HASH_A },
        { name: 'audit-bot', role: 'admin', hash: HASH_B },
      ],
    });
    expect(config.topics.audit).toBe('soc.audit');
  });

  it('refuses a malformed entry without echoing it, a name used twice, and a port without tokens', () => {
    const clear = 'alice:operator:s3cr3t-token-in-clear';
    const message = refusal({ ...BASE, EXFILGUARD_ADMIN_TOKENS: `${clear},bob:root:${HASH_A}` });
    expect(message).toContain('EXFILGUARD_ADMIN_TOKENS: entry 1 is not name:role:sha256-hex');
    expect(message).toContain('EXFILGUARD_ADMIN_TOKENS: entry 2 is not name:role:sha256-hex');
    expect(message).not.toContain('s3cr3t');
    expect(
      refusal({ ...BASE, EXFILGUARD_ADMIN_TOKENS: `a:viewer:${HASH_A},a:admin:${HASH_B}` }),
    ).toContain('the name "a" is used twice');
    expect(refusal({ ...BASE, EXFILGUARD_ADMIN_PORT: '9479' })).toContain(
      'EXFILGUARD_ADMIN_TOKENS: the admin API (EXFILGUARD_ADMIN_PORT) needs at least one token',
    );
  });

  it('takes TLS files both or none', () => {
    const admin = { EXFILGUARD_ADMIN_PORT: '0', EXFILGUARD_ADMIN_TOKENS: `a:viewer:${HASH_A}` };
    expect(refusal({ ...BASE, ...admin, EXFILGUARD_ADMIN_TLS_CERT_FILE: '/c.pem' })).toContain(
      'needs both EXFILGUARD_ADMIN_TLS_CERT_FILE and EXFILGUARD_ADMIN_TLS_KEY_FILE',
    );
    const config = loadConfig({
      ...BASE,
      ...admin,
      EXFILGUARD_ADMIN_TLS_CERT_FILE: '/c.pem',
      EXFILGUARD_ADMIN_TLS_KEY_FILE: '/k.pem',
    });
    expect(config.admin?.tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' });
  });

  it('masks the tokens’ hashes in the logged configuration, keeps names and roles', () => {
    const config = loadConfig({
      ...BASE,
      EXFILGUARD_ADMIN_PORT: '0',
      EXFILGUARD_ADMIN_TOKENS: `alice:operator:${HASH_A}`,
    });
    const logged = JSON.stringify(redactedConfig(config));
    expect(logged).not.toContain(HASH_A);
    expect(logged).toContain('"name":"alice"');
    expect(logged).toContain('"role":"operator"');
  });
});

describe('loadKafkaConfig', () => {
  it('needs only the brokers, and reads the Kafka part as loadConfig does', () => {
    const env = { ...BASE, EXFILGUARD_INPUT_TOPIC: 'edge-logs', EXFILGUARD_LOG_LEVEL: 'warn' };
    const kafkaOnly = loadKafkaConfig({ EXFILGUARD_KAFKA_BROKERS: BASE.EXFILGUARD_KAFKA_BROKERS });
    expect(kafkaOnly.kafka.brokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    const { kafka, topics, logLevel, logFormat } = loadConfig(env);
    expect(loadKafkaConfig(env)).toEqual({ kafka, topics, logLevel, logFormat });
  });

  it('refuses what loadConfig refuses in its part, and typos anywhere', () => {
    const refused = (env: NodeJS.ProcessEnv) => () => loadKafkaConfig(env);
    expect(refused({})).toThrow('EXFILGUARD_KAFKA_BROKERS: required, not set');
    expect(refused({ ...BASE, EXFILGUARD_REDIS_ULR: 'x' })).toThrow(
      'unknown variable EXFILGUARD_REDIS_ULR',
    );
    expect(refused({ ...BASE, EXFILGUARD_KAFKA_SASL_MECHANISM: 'plain' })).toThrow('SASL needs');
    expect(refused({ ...BASE, EXFILGUARD_INPUT_TOPIC: 'no spaces' })).toThrow(
      'EXFILGUARD_INPUT_TOPIC',
    );
  });
});

describe('loadAdminClientConfig', () => {
  const TOKEN = 'op-token-3c1f9e';

  it('needs only the URL and the token, and accepts the rest of an environment', () => {
    const env = {
      EXFILGUARD_ADMIN_URL: 'https://admin.example:9479/',
      EXFILGUARD_ADMIN_TOKEN: TOKEN,
    };
    expect(loadAdminClientConfig(env)).toEqual({ url: 'https://admin.example:9479', token: TOKEN });
    expect(
      loadAdminClientConfig({
        ...BASE,
        ...env,
        EXFILGUARD_ADMIN_CA_FILE: '/etc/exfilguard/ca.pem',
      }),
    ).toEqual({
      url: 'https://admin.example:9479',
      token: TOKEN,
      caFile: '/etc/exfilguard/ca.pem',
    });
    // Optional for the detector: its configuration is unchanged by them.
    expect(loadConfig({ ...BASE, ...env })).toEqual(loadConfig(BASE));
  });

  it('refuses what is missing, misspelt or unsafe, without quoting the token', () => {
    const message = (env: NodeJS.ProcessEnv) => {
      try {
        loadAdminClientConfig(env);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('expected the configuration to be refused');
    };
    expect(message({})).toBe(
      'Configuration refused:\n  EXFILGUARD_ADMIN_URL: required, not set\n  EXFILGUARD_ADMIN_TOKEN: required, not set',
    );
    const token = { EXFILGUARD_ADMIN_TOKEN: TOKEN };
    expect(message({ ...token, EXFILGUARD_ADMIN_URL: 'ftp://x' })).toContain(
      'EXFILGUARD_ADMIN_URL: expected an http:// or https:// URL',
    );
    expect(message({ ...token, EXFILGUARD_ADMIN_URL: 'http://ops:pw@127.0.0.1:9479' })).toContain(
      'EXFILGUARD_ADMIN_URL: holds credentials: put the token in EXFILGUARD_ADMIN_TOKEN',
    );
    const url = { EXFILGUARD_ADMIN_URL: 'http://127.0.0.1:9479' };
    expect(message({ ...url, ...token, EXFILGUARD_ADMIN_URI: 'x' })).toContain(
      'unknown variable EXFILGUARD_ADMIN_URI',
    );
    const newline = message({ ...url, EXFILGUARD_ADMIN_TOKEN: `${TOKEN}\n` });
    expect(newline).toContain('EXFILGUARD_ADMIN_TOKEN: printable characters without spaces');
    expect(newline).not.toContain(TOKEN);
  });
});
