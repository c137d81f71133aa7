// Lockout records written straight to a lockouts topic, for tests of readers that do not
// need the detector: valid contract-2 records (checked by the schema), keyed as the
// detector keys them.
import { randomUUID } from 'node:crypto';
import {
  LOCKOUT_CONTRACT_VERSION,
  lockoutCommandSchema,
  lockoutKey,
  type LockoutCommand,
  type LockoutRecord,
} from '../../src/decide/lockout.js';
import type { Mode, Scope } from '../../src/vocabulary/scope.js';
import { testKafka } from './kafka.js';

/** A lockout by `sequential-id-scan` (enforce mode and 1 h unless told), issued now. */
export function testLockout(
  scope: Scope,
  subject: string,
  options: { mode?: Mode; ttlSeconds?: number; nowMs?: number } = {},
): LockoutCommand {
  const nowMs = options.nowMs ?? Date.now();
  const ttlSeconds = options.ttlSeconds ?? 3600;
  return lockoutCommandSchema.parse({
    type: 'lockout',
    version: LOCKOUT_CONTRACT_VERSION,
    id: randomUUID().replaceAll('-', ''),
    scope,
    subject,
    rule: 'sequential-id-scan',
    mode: options.mode ?? 'enforce',
    severity: 'high',
    reason: 'written by a test',
    evidence: {},
    eventTime: new Date(nowMs).toISOString(),
    issuedAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + ttlSeconds * 1000).toISOString(),
    ttlSeconds,
  });
}

/** Produces `records` to `topic`, each under its contract key. */
export async function publishLockoutRecords(
  brokers: string[],
  topic: string,
  records: readonly LockoutRecord[],
): Promise<void> {
  const producer = testKafka(brokers).producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((record) => ({
        key: lockoutKey(record),
        value: JSON.stringify(record),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}
