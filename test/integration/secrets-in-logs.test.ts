// `exfilguard run` with a secret in every setting that can carry one: the Redis URL's
// password, each Redis Cluster node's password (with and without a scheme), the SASL
// password and the key secret. Everything the process prints is captured and searched
// for each secret, raw, URL-encoded and JSON-escaped, and for its random core, which
// no encoding changes.
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { detectorSetup, exited, exitedWithin, spawnCli, waitFor } from '../support/detector.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

/** A secret with characters URLs and JSON must escape, around a random core. */
function secret(label: string): { text: string; core: string } {
  const core = randomBytes(10).toString('hex');
  return { text: `${label}!$&"|^ /@:${core}`, core };
}

function urlWith(base: string, username: string, password: string, scheme = true): string {
  const url = new URL(base);
  url.username = username;
  url.password = password; // WHATWG percent-encodes what the userinfo cannot hold
  return scheme ? url.toString() : url.toString().replace(/^rediss?:\/\//, '');
}

function variants(s: { text: string; core: string }): string[] {
  return [
    s.text,
    s.core,
    encodeURIComponent(s.text),
    new URL(urlWith(redisUrl, 'u', s.text)).password,
    JSON.stringify(s.text).slice(1, -1),
  ];
}

/** Runs the detector at debug level for a while (or until it exits); all it printed. */
async function everythingPrinted(env: Record<string, string>): Promise<string> {
  const child = spawnCli(['run'], { ...env, EXFILGUARD_LOG_LEVEL: 'debug' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(
    () => output.includes('starting exfilguard run') || child.exitCode !== null,
    30_000,
    'the start-up log line',
  );
  // Long enough for connection errors, retries and the kafkajs warnings to be logged;
  // then the shutdown's own lines.
  await Promise.race([exited(child), new Promise((resolve) => setTimeout(resolve, 6000))]);
  child.kill('SIGTERM');
  await exitedWithin(child, 15_000);
  return output;
}

function leaks(output: string, secrets: { text: string; core: string }[]): string[] {
  return secrets.flatMap(variants).filter((text) => output.includes(text));
}

describe('secrets in the logs of exfilguard run', { timeout: 90_000 }, () => {
  it('prints no Redis URL, SASL or key secret', async () => {
    const redisPassword = secret('redis');
    const sasl = secret('sasl');
    const key = secret('key-secret-of-at-least-32-characters');
    const setup = await detectorSetup(brokers, redisUrl, {
      env: {
        EXFILGUARD_REDIS_URL: urlWith(redisUrl, 'default', redisPassword.text),
        EXFILGUARD_KEY_SECRET: key.text,
        EXFILGUARD_KAFKA_SASL_MECHANISM: 'plain',
        EXFILGUARD_KAFKA_SASL_USERNAME: 'detector',
        EXFILGUARD_KAFKA_SASL_PASSWORD: sasl.text,
      },
    });
    const output = await everythingPrinted(setup.env);
    expect(output).toContain('starting exfilguard run');
    expect(output).toContain('[redacted]');
    expect(leaks(output, [redisPassword, sasl, key])).toEqual([]);
  });

  it('prints no Redis Cluster node password, with or without a scheme', async () => {
    const first = secret('node-a');
    const second = secret('node-b');
    const { EXFILGUARD_REDIS_URL: _url, ...env } = (
      await detectorSetup(brokers, redisUrl, {
        env: {
          EXFILGUARD_REDIS_CLUSTER_NODES: [
            urlWith(redisUrl, 'default', first.text),
            urlWith(redisUrl, 'default', second.text, false),
          ].join(','),
        },
      })
    ).env;
    const output = await everythingPrinted(env);
    expect(output).toContain('starting exfilguard run');
    expect(output).toContain('clusterNodes');
    expect(leaks(output, [first, second])).toEqual([]);
  });
});
