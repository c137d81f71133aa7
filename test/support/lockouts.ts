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
import { testKafka } from './kafka.js';

/** An enforce-mode lockout of an address by `sequential-id-scan`, issued now. */
export function addressLockout(
  subject: string,
  options: { ttlSeconds?: number; nowMs?: number } = {},
): LockoutCommand {
  const nowMs = options.nowMs ?? Date.now();
  const ttlSeconds = options.ttlSeconds ?? 3600;
  return lockoutCommandSchema.parse({
    type: 'lockout',
    version: LOCKOUT_CONTRACT_VERSION,
    id: randomUUID().replaceAll('-', ''),
    scope: 'ip',
    subject,
    rule: 'sequential-id-scan',
    mode: 'enforce',
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
