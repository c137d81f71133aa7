// exfilguard run against a broker that demands what production brokers demand: TLS
// (a certificate the detector must be told to trust) and SASL. The broker is this
// file's own (from the Maven jars), with a SASL_SSL listener beside the plain one the
// test itself uses to create topics, produce and read.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LocalKafka, type SecuredListener } from '../../scripts/kafka/local-kafka.js';
import { lockoutCommandSchema } from '../../src/decide/lockout.js';
import {
  childOutput,
  collectTopic,
  detectorSetup,
  exitedWithin,
  produceEvents,
  scanEvents,
  spawnCli,
  startInProcess,
  waitFor,
} from '../support/detector.js';
import { warmUpConsumerGroups } from '../support/kafka.js';

const redisUrl = inject('redisUrl');
const USER = 'exfilguard-detector';
const PASSWORD = randomBytes(12).toString('hex');

describe('a TLS + SASL broker', { timeout: 150_000 }, () => {
  let kafka: LocalKafka;
  let secured: SecuredListener;
  beforeAll(async () => {
    kafka = await LocalKafka.start({ secured: { username: USER, password: PASSWORD } });
    secured = kafka.secured!;
    await warmUpConsumerGroups(kafka.brokers);
  });
  afterAll(async () => {
    await kafka.stop();
  });

  function securedEnv(password: string): Record<string, string> {
    return {
      EXFILGUARD_KAFKA_BROKERS: secured.brokers.join(','),
      EXFILGUARD_KAFKA_TLS: 'true',
      EXFILGUARD_KAFKA_TLS_CA_FILE: secured.caFile,
      EXFILGUARD_KAFKA_SASL_MECHANISM: 'plain',
      EXFILGUARD_KAFKA_SASL_USERNAME: USER,
      EXFILGUARD_KAFKA_SASL_PASSWORD: password,
    };
  }

  it('consumes, detects and publishes over SASL_SSL', async () => {
    const setup = await detectorSetup(kafka.brokers, redisUrl, { env: securedEnv(PASSWORD) });
    const lockouts = await collectTopic(kafka.brokers, setup.topics.lockouts);
    const detector = await startInProcess(setup);
    try {
      await produceEvents(
        kafka.brokers,
        setup.topics.input,
        scanEvents('203.0.113.61', 60, Date.now()),
      );
      await waitFor(() => lockouts.received.length >= 1, 30_000, 'a lockout');
      const command = lockoutCommandSchema.parse(
        JSON.parse(lockouts.received[0]!.message.value!.toString()),
      );
      expect(command).toMatchObject({ rule: 'sequential-id-scan', subject: '203.0.113.61' });
    } finally {
      await Promise.all([detector.stop(), lockouts.stop()]);
    }
  });

  it('refuses a wrong password with a clear error, exits 1, and never prints the password', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const setup = await detectorSetup(kafka.brokers, redisUrl, {
      env: { ...securedEnv(wrong), EXFILGUARD_LOG_LEVEL: 'info' },
    });
    const child = spawnCli(['run'], setup.env);
    // A wrong password must end the process, not leave it hanging on open connections.
    const code = await exitedWithin(child, 30_000);
    const output = childOutput(child);
    expect(code).toBe(1);
    expect(output).toContain('exfilguard: [KAFKA_AUTH_FAILED] the brokers refused the SASL login');
    expect(output).toContain('EXFILGUARD_KAFKA_SASL_PASSWORD');
    expect(output).not.toMatch(/^\s+at /m); // a message, not a stack trace
    expect(output).not.toContain(wrong);
  });

  it("says which setting to check when the brokers' certificate is not trusted", async () => {
    const { EXFILGUARD_KAFKA_TLS_CA_FILE: _ca, ...untrusting } = securedEnv(PASSWORD);
    const setup = await detectorSetup(kafka.brokers, redisUrl, { env: untrusting });
    const child = spawnCli(['run'], setup.env);
    const code = await exitedWithin(child, 60_000);
    const output = childOutput(child);
    expect(code).toBe(1);
    expect(output).toContain('exfilguard: [KAFKA_UNAVAILABLE]');
    expect(output).toContain('EXFILGUARD_KAFKA_TLS_CA_FILE');
    expect(output).not.toContain(PASSWORD);
  });
});
