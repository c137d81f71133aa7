// The live detector and `replay --key-secret-file` with its secret place breadth values
// in the same bits, so they lock out the same sessions with the same lockout ids
// (issue 9, item 2); the built-in key decides otherwise on ids chosen against a key.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lockoutCommandSchema } from '../../src/decide/lockout.js';
import { DistinctHash } from '../../src/detect/index.js';
import type { AccessEvent } from '../../src/event/access-event.js';
import type { RunningDetector } from '../../src/service/detector-service.js';
import { runCli } from '../support/cli.js';
import {
  collectTopic,
  detectorSetup,
  produceEvents,
  startInProcess,
  waitFor,
  type DetectorSetup,
} from '../support/detector.js';

const brokers = inject('kafkaBrokers');
const redisUrl = inject('redisUrl');

/** 300 ids far apart that the key crowds into 50 of 512 bits (~55 distinct, under 150). */
function idsCrowdedBy(hash: DistinctHash): number[] {
  const ids: number[] = [];
  for (let id = 70_000_003; ids.length < 300; id += 7_919) {
    if (hash.bitOf(`/api/customers/:id\u0000${id}`, 512) < 50) ids.push(id);
  }
  return ids;
}

function reads(session: string, ip: string, ids: readonly number[], start: number): AccessEvent[] {
  return ids.map((id, i) => ({
    ts: start + i * 1000,
    ip,
    method: 'GET',
    path: `/api/customers/${id}`,
    status: 200,
    bytes: 900,
    session,
  }));
}

function breadthIds(lines: readonly string[]): string[] {
  return lines
    .map((line) => lockoutCommandSchema.parse(JSON.parse(line)))
    .filter((l) => l.rule === 'object-breadth')
    .map((l) => `${l.id} ${l.subject}`)
    .sort();
}

describe('object-breadth with the key secret', () => {
  let setup: DetectorSetup;
  let detector: RunningDetector;

  beforeAll(async () => {
    setup = await detectorSetup(brokers, redisUrl);
    detector = await startInProcess(setup);
  });
  afterAll(async () => {
    await detector.stop();
  });

  it('replay with the live secret gives the live lockouts; the built-in key does not', async () => {
    const secret = setup.env.EXFILGUARD_KEY_SECRET!;
    const start = Date.now() - 320_000;
    const events = [
      ...reads(
        'hidden-live',
        '198.51.100.61',
        idsCrowdedBy(DistinctHash.fromSecret(secret)),
        start,
      ),
      ...reads('hidden-built-in', '198.51.100.62', idsCrowdedBy(DistinctHash.builtIn()), start + 1),
    ].sort((a, b) => a.ts - b.ts);
    const lockouts = await collectTopic(brokers, setup.topics.lockouts);
    let live: string[] = [];
    try {
      await produceEvents(brokers, setup.topics.input, events);
      await waitFor(
        () => {
          live = breadthIds(lockouts.received.map((r) => r.message.value!.toString()));
          return live.length >= 1;
        },
        30_000,
        'the object-breadth lockout',
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      live = breadthIds(lockouts.received.map((r) => r.message.value!.toString()));
    } finally {
      await lockouts.stop();
    }
    expect(live.map((l) => l.split(' ')[1])).toEqual(['hidden-built-in']);

    const dir = await mkdtemp(join(tmpdir(), 'exfilguard-breadth-'));
    const log = join(dir, 'reads.jsonl');
    const secretFile = join(dir, 'secret');
    await writeFile(log, events.map((e) => JSON.stringify(e)).join('\n'));
    await writeFile(secretFile, `${secret}\n`);
    const withSecret = await runCli(['replay', '--key-secret-file', secretFile, log]);
    expect(breadthIds(withSecret.stdout.trim().split('\n'))).toEqual(live);
    const builtIn = await runCli(['replay', log]);
    const builtInSubjects = breadthIds(builtIn.stdout.trim().split('\n')).map(
      (l) => l.split(' ')[1],
    );
    expect(builtInSubjects).toEqual(['hidden-live']);
  });
});
