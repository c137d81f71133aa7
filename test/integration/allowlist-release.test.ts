// Allowlist changes act on lockouts in force (issue 12, item 7, end to end): two
// detectors in process share a rules folder, the broker and Redis; a lockout of an
// address is in force and `exfilguard enforce` refuses it. Rewriting the allowlist file
// to add the address's network makes both detectors reload, both find the lockout newly
// covered, and exactly one release (its id made of the lockout and the entry) reaches the
// lockouts topic, published by the rule loader; enforce lets the client through.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { allowlistReleaseId } from '../../src/admin/index.js';
import { lockoutRecordSchema, type ReleaseCommand } from '../../src/decide/lockout.js';
import type { RunningDetector } from '../../src/service/detector-service.js';
import {
  collectTopic,
  detectorSetup,
  startInProcess,
  waitFor,
  type DetectorSetup,
} from '../support/detector.js';
import { client, EnforceHarness, untilStatus } from '../support/enforcer.js';
import { publishLockoutRecords, testLockout } from '../support/lockouts.js';
import { redisConnector } from '../support/redis-connections.js';
import { RedisKeys } from '../../src/window/keys.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

const IP = '203.0.113.77';
const NETWORK = '203.0.113.0/24';
/** After the first release, how long no second may come (both instances reload within ms). */
const QUIET_MS = 5_000;

const connectRedis = redisConnector();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an allowlist change releases the lockouts in force it newly covers', () => {
  let rulesDir: string;
  let allowlistFile: string;
  let setup: DetectorSetup;
  const detectors: RunningDetector[] = [];
  const harness = new EnforceHarness(brokers);
  const lockout = testLockout('ip', IP);

  beforeAll(async () => {
    rulesDir = await mkdtemp(join(tmpdir(), 'exfilguard-allowlist-release-'));
    allowlistFile = join(rulesDir, 'partners.yaml');
    await writeFile(allowlistFile, 'kind: allowlist\nusers: [svc-backup]\n');
    setup = await detectorSetup(brokers, redisUrl, { env: { EXFILGUARD_RULES_DIRS: rulesDir } });
    // In force before the detectors start: each directory holds it once caught up, which
    // the release waits for, so the test needs no guess of when both have read it.
    await publishLockoutRecords(brokers, setup.topics.lockouts, [lockout]);
    // The admin API off: the directory and the releases do not depend on it.
    detectors.push(await startInProcess(setup), await startInProcess(setup));
    await harness.open();
  });
  afterAll(async () => {
    await harness.close();
    await Promise.allSettled(detectors.map((d) => d.stop()));
    if (rulesDir) await rm(rulesDir, { recursive: true, force: true });
  });

  it('publishes exactly one release, by the rule loader, under the deterministic id, and enforce lets the client through', async () => {
    const enforce = await harness.enforceCaughtUp(setup.topics.lockouts);
    await untilStatus(enforce.url, client(IP), 403);
    const topic = await collectTopic(brokers, setup.topics.lockouts);
    try {
      await writeFile(allowlistFile, `kind: allowlist\nusers: [svc-backup]\nips: ["${NETWORK}"]\n`);
      const releases = () =>
        topic.received
          .map((r) => lockoutRecordSchema.parse(JSON.parse(r.message.value!.toString())))
          .filter((r): r is ReleaseCommand => r.type === 'release');
      await waitFor(() => releases().length >= 1, 15_000, 'the release by the rule loader');
      await untilStatus(enforce.url, client(IP), 200, 2_000);
      await sleep(QUIET_MS);

      expect(releases()).toHaveLength(1);
      expect(releases()[0]).toMatchObject({
        id: allowlistReleaseId(lockout.id, { scope: 'ip', value: NETWORK }),
        releases: lockout.id,
        scope: 'ip',
        subject: IP,
        rule: lockout.rule,
        mode: lockout.mode,
        releasedBy: 'rule-loader',
        reason: 'ip added to the allowlist partners.yaml',
      });
      // The election's key in the shared Redis: named by an HMAC under the key secret, so
      // a Redis dump does not show which release (or whose lockout) it was.
      const releaseId = releases()[0]!.id;
      const claimKey = new RedisKeys(
        setup.env.EXFILGUARD_KEY_SECRET!,
        setup.env.EXFILGUARD_REDIS_KEY_PREFIX,
      ).claimKey(`allowlist-release:${releaseId}`);
      expect(claimKey).not.toContain(releaseId);
      const redis = connectRedis();
      expect(await redis.get(claimKey)).toBe('1');
      expect(await redis.ttl(claimKey)).toBeGreaterThan(86_000);
      // Both instances reloaded the change: each counted a successful reload.
      for (const detector of detectors) {
        const text = await detector.metrics.registry.metrics();
        expect(text).toMatch(/exfilguard_rule_reloads_total\{outcome="success"\} [1-9]/);
      }
    } finally {
      await topic.stop();
    }
  });
});
