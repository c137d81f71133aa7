// `exfilguard lockouts follow` (a child process, as an operator runs it) on the real
// broker: by default only records published after it starts, one table row each, a
// release naming who lifted it; --from-beginning --json the whole topic as contract-2
// JSON lines. It commits no offsets, and Ctrl-C (SIGINT) ends it with exit 0.
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { childOutput, exitedWithin, spawnCli, waitFor } from '../support/detector.js';
import { createTopic, uniqueName, withAdmin } from '../support/kafka.js';
import { publishLockoutRecords, releaseOf, testLockout } from '../support/lockouts.js';

const brokers = inject('kafkaBrokers');

describe('exfilguard lockouts follow', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  function follow(topic: string, ...args: string[]): ChildProcess {
    const child = spawnCli(['lockouts', 'follow', ...args], {
      EXFILGUARD_KAFKA_BROKERS: brokers.join(','),
      EXFILGUARD_LOCKOUT_TOPIC: topic,
    });
    children.push(child);
    return child;
  }

  it('prints what is published after it starts, or the whole topic first; commits nothing', async () => {
    const topic = uniqueName('follow-lockouts');
    await createTopic(brokers, topic, 2);
    const before = testLockout('ip', '198.51.100.7');
    await publishLockoutRecords(brokers, topic, [before]);

    const table = follow(topic);
    const json = follow(topic, '--from-beginning', '--json');
    for (const child of [table, json])
      await waitFor(() => childOutput(child).includes('following topic'), 30_000, 'follow started');

    const after = testLockout('user', 'mallory', { ttlSeconds: 7200 });
    const release = releaseOf(after);
    await publishLockoutRecords(brokers, topic, [after, release]);
    await waitFor(() => childOutput(table).includes('released by'), 30_000, 'the release row');
    await waitFor(
      () =>
        childOutput(json)
          .split('\n')
          .filter((line) => line.startsWith('{"type":')).length === 3,
      30_000,
      'three JSON lines',
    );

    const rows = childOutput(table)
      .split('\n')
      .filter((line) => /^(TIME|\d{4}-)/.test(line));
    expect(rows[0]).toMatch(/^TIME +RULE +SCOPE:SUBJECT +MODE +TTL +REASON$/);
    expect(rows.slice(1)).toHaveLength(2);
    expect(rows[1]).toMatch(/ sequential-id-scan +user:mallory +enforce +2h +test lockout$/);
    expect(rows[2]).toMatch(
      / sequential-id-scan +user:mallory +enforce +- +released by test: lifted by the test$/,
    );
    // The record already on the topic is not printed by default.
    expect(childOutput(table)).not.toContain('198.51.100.7');

    const records = childOutput(json)
      .split('\n')
      .filter((line) => line.startsWith('{"type":'))
      .map((line) => JSON.parse(line) as { id: string });
    expect(records.map((record) => record.id).sort()).toEqual(
      [before.id, after.id, release.id].sort(),
    );

    // Read-only: no group holds an offset of the topic.
    await withAdmin(brokers, async (admin) => {
      const { groups } = await admin.listGroups();
      const follows = groups.filter((g) => g.groupId.startsWith('exfilguard-follow-'));
      expect(follows.length).toBeGreaterThanOrEqual(2);
      for (const { groupId } of follows) {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        for (const { offset } of offsets!.partitions) expect(offset, groupId).toBe('-1');
      }
    });

    for (const child of [table, json]) {
      child.kill('SIGINT');
      expect(await exitedWithin(child, 15_000), childOutput(child)).toBe(0);
    }
  }, 90_000);
});
