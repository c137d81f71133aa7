// A real CrowdSec bouncer against `exfilguard enforce`: Debian's crowdsec-custom-bouncer
// polls enforce's CrowdSec-compatible stream and calls a script per decision. The test
// reads the script's `add`/`del` lines after lockouts, a release and an expiry are
// published to a real broker.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEnforceConfig } from '../../src/config.js';
import { lockoutKey, releaseCommand, type LockoutRecord } from '../../src/decide/lockout.js';
import { createLogger } from '../../src/log.js';
import { startEnforcer, type RunningEnforcer } from '../../src/service/enforcer-service.js';
import { lockoutCommand } from '../support/lockouts.js';
import { createTopic, testKafka, uniqueName } from '../support/kafka.js';

const brokers = inject('kafkaBrokers');
const BOUNCER = '/usr/bin/crowdsec-custom-bouncer';
const AT_STARTUP = Array.from({ length: 8 }, (_, i) => `192.0.2.${i + 1}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One call of the script: `add|del VALUE SECONDS SCENARIO JSON`, with when it was seen. */
interface Call {
  readonly action: string;
  readonly value: string;
  readonly seconds: number;
  readonly scenario: string;
  readonly decision: { id: number; scope: string; value: string; duration: string };
}

describe('crowdsec-custom-bouncer against exfilguard enforce', () => {
  const topic = uniqueName('crowdsec.lockouts');
  let dir: string;
  let callsFile: string;
  let running: RunningEnforcer;
  let bouncer: ChildProcess;
  let bouncerOutput = '';
  let producer: Producer;

  beforeAll(async () => {
    try {
      accessSync(BOUNCER, constants.X_OK);
    } catch {
      throw new Error(
        `${BOUNCER} is missing: install Debian's crowdsec-custom-bouncer (apt-get install --no-install-recommends crowdsec-custom-bouncer; .ci/run does)`,
      );
    }
    await createTopic(brokers, topic);
    const apiKey = randomBytes(24).toString('hex');
    running = await startEnforcer(
      loadEnforceConfig({
        EXFILGUARD_KAFKA_BROKERS: brokers.join(','),
        EXFILGUARD_LOCKOUT_TOPIC: topic,
        EXFILGUARD_ENFORCE_PORT: '0',
        EXFILGUARD_ENFORCE_BOUNCER_KEYS: `test:${createHash('sha256').update(apiKey).digest('hex')}`,
      }),
      createLogger('silent'),
    );
    await running.enforcer.untilCaughtUp();

    dir = await mkdtemp(join(tmpdir(), 'exfilguard-bouncer-'));
    callsFile = join(dir, 'calls');
    const script = join(dir, 'record.sh');
    // One line per call; the JSON is the last argument and holds no newline.
    await writeFile(script, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${callsFile}'\n`);
    await chmod(script, 0o755);
    const config = join(dir, 'bouncer.yaml');
    await writeFile(
      config,
      [
        `bin_path: ${script}`,
        'feed_via_stdin: false',
        'update_frequency: 1s',
        `api_url: ${running.url}/`,
        `api_key: ${apiKey}`,
        `piddir: ${dir}/`,
        'daemonize: false',
        'log_mode: stdout',
        'log_level: info',
        'prometheus:',
        '  enabled: false',
        '',
      ].join('\n'),
    );
    producer = testKafka(brokers).producer();
    await producer.connect();
    // In force before the bouncer starts: its startup=true call must bring them. Eight
    // decisions make an answer over 1 KiB, which enforce gzips for Go's client.
    for (const address of AT_STARTUP) await publish(lockoutCommand(address, 3600));
    while (running.enforcer.table.size < AT_STARTUP.length) await sleep(20);
    const lookup = await fetch(`${running.url}/v1/decisions`, {
      headers: { 'x-api-key': apiKey, 'accept-encoding': 'gzip' },
    });
    expect(lookup.headers.get('content-encoding')).toBe('gzip');
    expect(await lookup.json()).toHaveLength(AT_STARTUP.length);

    bouncer = spawn(BOUNCER, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    bouncer.stdout!.on('data', (chunk: Buffer) => (bouncerOutput += chunk.toString()));
    bouncer.stderr!.on('data', (chunk: Buffer) => (bouncerOutput += chunk.toString()));
  });

  afterAll(async () => {
    if (bouncer?.exitCode === null) {
      const exited = new Promise((resolve) => bouncer.once('exit', resolve));
      bouncer.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (bouncer.exitCode === null) bouncer.kill('SIGKILL');
    }
    await producer?.disconnect();
    await running?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const publish = (record: LockoutRecord) =>
    producer.send({
      topic,
      messages: [{ key: lockoutKey(record), value: JSON.stringify(record) }],
    });

  async function calls(): Promise<Call[]> {
    const text = await readFile(callsFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        const [action, value, seconds, scenario] = line.split(' ');
        const json = line.slice(line.indexOf('{'));
        return {
          action: action!,
          value: value!,
          seconds: Number(seconds),
          scenario: scenario!,
          decision: JSON.parse(json) as Call['decision'],
        };
      });
  }

  /** Waits for the script to be called with `action` on `value`; returns the call and the wait. */
  async function untilCalled(action: string, value: string, sinceMs: number) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const call = (await calls()).find((c) => c.action === action && c.value === value);
      if (call !== undefined) return { call, ms: Date.now() - sinceMs };
      if (Date.now() > deadline || bouncer.exitCode !== null) {
        throw new Error(
          `no "${action} ${value}" from the bouncer; calls: ${JSON.stringify(await calls())}; bouncer output:\n${bouncerOutput}`,
        );
      }
      await sleep(50);
    }
  }

  it('receives the decisions in force at startup, new address lockouts, and deletions on release and expiry', async () => {
    const ipv4 = lockoutCommand('203.0.113.7', 3600);
    const ipv6 = lockoutCommand('2001:db8:1:2::/64', 10_800, { rule: 'slow-id-scan' });
    const session = lockoutCommand('a-session', 3600, { scope: 'session' });
    const shadow = lockoutCommand('203.0.113.9', 3600, { mode: 'shadow' });
    for (const address of AT_STARTUP) await untilCalled('add', address, Date.now());
    let published = Date.now();
    for (const record of [ipv4, ipv6, session, shadow]) await publish(record);

    const added = await untilCalled('add', '203.0.113.7', published);
    expect(added.call.scenario).toBe('exfilguard/sequential-id-scan');
    expect(added.call.seconds).toBeGreaterThan(3590);
    expect(added.call.decision).toMatchObject({ scope: 'Ip', value: '203.0.113.7' });
    const addedV6 = await untilCalled('add', '2001:db8:1:2::/64', published);
    expect(addedV6.call.decision).toMatchObject({ scope: 'Range' });
    expect(addedV6.call.decision.duration).toMatch(/^(3h0m0s|2h59m5\ds)$/);
    expect(addedV6.call.scenario).toBe('exfilguard/slow-id-scan');

    published = Date.now();
    await publish(
      releaseCommand(ipv4, { releasedBy: 'test', reason: 'false positive' }, published),
    );
    const deleted = await untilCalled('del', '203.0.113.7', published);
    expect(deleted.call.decision.id).toBe(added.call.decision.id);

    published = Date.now();
    await publish(lockoutCommand('198.51.100.4', 2, { nowMs: published }));
    const short = await untilCalled('add', '198.51.100.4', published);
    const expired = await untilCalled('del', '198.51.100.4', published);

    // Only address lockouts in enforce mode reach a bouncer; the /64 stays.
    const all = await calls();
    expect(all.map((c) => `${c.action} ${c.value}`)).toEqual([
      ...AT_STARTUP.map((address) => `add ${address}`),
      'add 203.0.113.7',
      'add 2001:db8:1:2::/64',
      'del 203.0.113.7',
      'add 198.51.100.4',
      'del 198.51.100.4',
    ]);
    const metrics = await running.metrics.registry.metrics();
    expect(metrics).toContain(
      'exfilguard_enforce_bouncer_pulls_total{bouncer="test",outcome="startup"} 1',
    );
    expect(metrics).toMatch(/bouncer_pulls_total\{bouncer="test",outcome="delta"\} [1-9]/);
    console.log(
      `crowdsec-custom-bouncer: lockout → add ${added.ms} ms, release → del ${deleted.ms} ms, ` +
        `2 s lockout → add ${short.ms} ms, → del ${expired.ms} ms (update_frequency 1s)`,
    );
  });
});
