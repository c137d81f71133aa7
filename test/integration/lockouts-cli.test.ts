// `exfilguard lockouts` (a child process, as an operator runs it) against the real admin
// API of `exfilguard run` on the real broker: add, list, show and lift round trip, and a
// viewer token refused for a change with exit code 3. The token never reaches output.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningDetector } from '../../src/service/detector-service.js';
import {
  childOutput,
  detectorSetup,
  exitedWithin,
  spawnCli,
  startInProcess,
} from '../support/detector.js';
import { uniqueName } from '../support/kafka.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

const OPERATOR = randomBytes(32).toString('hex');
const VIEWER = randomBytes(32).toString('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('exfilguard lockouts against the admin API', () => {
  let detector: RunningDetector;

  beforeAll(async () => {
    const setup = await detectorSetup(brokers, redisUrl, {
      env: {
        EXFILGUARD_ADMIN_PORT: '0',
        EXFILGUARD_ADMIN_TOKENS: `ops:operator:${sha256(OPERATOR)},noc:viewer:${sha256(VIEWER)}`,
        EXFILGUARD_AUDIT_TOPIC: uniqueName('audit'),
      },
    });
    detector = await startInProcess(setup);
  });
  afterAll(async () => {
    await detector.stop();
  });

  async function cli(token: string, args: string): Promise<{ code: unknown; output: string }> {
    const child = spawnCli(['lockouts', ...args.split(' ')], {
      EXFILGUARD_ADMIN_URL: detector.adminUrl!,
      EXFILGUARD_ADMIN_TOKEN: token,
    });
    const code = await exitedWithin(child, 30_000);
    const output = childOutput(child);
    expect(output).not.toContain(OPERATOR);
    expect(output).not.toContain(VIEWER);
    return { code, output };
  }

  it('adds, lists, shows and lifts a manual lockout; a viewer may read but not change', async () => {
    const added = await cli(
      OPERATOR,
      'add --json --scope user --subject mallory@example.com --ttl 2h --reason scraping',
    );
    expect(added.code, added.output).toBe(0);
    const lockout = JSON.parse(added.output.trim()) as { id: string; rule: string };
    expect(lockout.rule).toBe('manual');

    const listed = await cli(VIEWER, 'list --scope user');
    expect(listed.code, listed.output).toBe(0);
    expect(listed.output).toContain(lockout.id);
    expect(listed.output).toContain('user:mallory@example.com');

    const shown = await cli(VIEWER, `show ${lockout.id}`);
    expect(shown.code, shown.output).toBe(0);

    const refused = await cli(VIEWER, `lift ${lockout.id} --reason mistake`);
    expect(refused.code).toBe(3);
    expect(refused.output).toMatch(/operator/);

    const lifted = await cli(OPERATOR, `lift ${lockout.id} --json --reason mistake --grace 0`);
    expect(lifted.code, lifted.output).toBe(0);
    expect(lifted.output).toContain(`"releases":"${lockout.id}"`);

    const gone = await cli(VIEWER, `show ${lockout.id}`);
    expect(gone.code).toBe(4);
  }, 90_000);
});
