// `exfilguard simulate` into a real broker, with the streaming detector reading the
// same topic: the simulator, configured by the very environment `exfilguard run` gets,
// produces valid contract-1 events keyed by client address, and its first attack is
// locked out live; no benign client is.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lockoutCommandSchema } from '../../src/decide/lockout.js';
import { parseEvent } from '../../src/event/parse.js';
import type { RunningDetector } from '../../src/service/detector-service.js';
import {
  childOutput,
  collectTopic,
  detectorSetup,
  exited,
  settle,
  spawnCli,
  startInProcess,
  waitFor,
  type DetectorSetup,
} from '../support/detector.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

describe('exfilguard simulate', () => {
  let setup: DetectorSetup;
  let detector: RunningDetector;

  beforeAll(async () => {
    setup = await detectorSetup(brokers, redisUrl);
    detector = await startInProcess(setup);
  });
  afterAll(async () => {
    await detector.stop();
  });

  it('feeds a detector: valid events keyed by address, and the first attack locked out', async () => {
    const input = await collectTopic(brokers, setup.topics.input);
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    try {
      const args = ['simulate', '--duration', '20s', '--attack-every', '5s', '--rate', '20'];
      // Logs at info: the attack lines and the closing count are read below.
      const env = { ...setup.env, EXFILGUARD_LOG_LEVEL: 'info' };
      const simulator = spawnCli([...args, '--seed', '11'], env);
      expect(await exited(simulator)).toBe(0);
      const logs = childOutput(simulator)
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const attacks = logs.filter((log) => log.attack !== undefined);
      expect(attacks.map((log) => log.attack)).toEqual([
        'ascending-scan',
        'strided-scan',
        'shuffled-scan',
      ]);
      const ended = logs.find((log) => log.msg === 'simulation ended');
      expect(ended).toMatchObject({ attacks: 3 });
      const sent = ended!.events as number;
      await settle(input.received, sent, 10_000, 500);
      expect(input.received).toHaveLength(sent);
      for (const { message } of input.received) {
        const outcome = parseEvent(message.value!, 'json');
        expect(outcome.ok, message.value!.toString()).toBe(true);
        if (outcome.ok) expect(message.key?.toString()).toBe(outcome.event.ip);
      }

      await waitFor(
        () => lockouts.received.some((r) => r.message.key?.toString().endsWith('/ip:203.0.113.20')),
        10_000,
        'the lockout of the first attack (ascending scan by 203.0.113.20)',
      );
      const commands = lockouts.received.map((r) =>
        lockoutCommandSchema.parse(JSON.parse(r.message.value!.toString())),
      );
      expect(commands.find((c) => c.subject === '203.0.113.20')).toMatchObject({
        rule: 'sequential-id-scan',
        scope: 'ip',
      });
      // Only attackers: the simulator's attack addresses are 203.0.113.20 and up.
      expect(commands.filter((c) => !c.subject.startsWith('203.0.113.'))).toEqual([]);
    } finally {
      await input.stop();
      await lockouts.stop();
    }
  }, 60_000);
});
