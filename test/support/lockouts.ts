// Lockouts topic helpers for the enforce tests: contract-2 records built by hand (as the
// detector or an operator would publish them) and written straight to a topic, so a
// test decides exactly what the enforcer reads.
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import {
  LOCKOUT_CONTRACT_VERSION,
  lockoutCommandSchema,
  lockoutKey,
  releaseCommand,
  type LockoutCommand,
  type LockoutKeyParts,
  type LockoutRecord,
  type ReleaseCommand,
} from '../../src/decide/lockout.js';
import type { Mode, Scope } from '../../src/vocabulary/scope.js';
import { testKafka } from './kafka.js';

export interface LockoutSpec {
  readonly scope: Scope;
  readonly subject: string;
  readonly rule?: string;
  readonly mode?: Mode;
  /** Milliseconds from `nowMs` to expiresAt; negative: already expired. */
  readonly ttlMs: number;
  readonly nowMs?: number;
}

/** A valid contract-2 lockout record with a fresh id. */
export function lockoutRecord(spec: LockoutSpec): LockoutCommand {
  const nowMs = spec.nowMs ?? Date.now();
  return {
    type: 'lockout',
    version: LOCKOUT_CONTRACT_VERSION,
    scope: spec.scope,
    subject: spec.subject,
    rule: spec.rule ?? 'sequential-id-scan',
    mode: spec.mode ?? 'enforce',
    id: randomUUID().replaceAll('-', ''),
    severity: 'high',
    reason: 'test lockout',
    evidence: { distinctIds: 100 },
    eventTime: new Date(nowMs).toISOString(),
    issuedAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + spec.ttlMs).toISOString(),
    // The contract wants a positive ttl even for a record written already expired.
    ttlSeconds: Math.max(1, Math.round(spec.ttlMs / 1000)),
  };
}

/** The release of a lockout, as an operator would publish it. */
export function releaseOf(lockout: LockoutKeyParts & { id?: string }): ReleaseCommand {
  return releaseCommand(lockout, { releasedBy: 'test', reason: 'lifted by the test' }, Date.now());
}

/** A Kafka message for a record under its contract-2 key; `null` value: a tombstone. */
export function lockoutMessage(
  parts: LockoutKeyParts,
  value: LockoutCommand | ReleaseCommand | null,
): { key: string; value: string | null } {
  return { key: lockoutKey(parts), value: value === null ? null : JSON.stringify(value) };
}

/**
 * A connected idempotent producer, transactional under `transactionalId` when given (as
 * the detector publishes); the caller disconnects it.
 */
export async function lockoutProducer(
  brokers: string[],
  transactionalId?: string,
): Promise<Producer> {
  const producer = testKafka(brokers).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    ...(transactionalId !== undefined && { transactionalId }),
  });
  await producer.connect();
  return producer;
}

export interface LockoutOptions {
  readonly rule?: string;
  readonly mode?: Mode;
  readonly scope?: Scope;
  /** Issued at (default: now). */
  readonly nowMs?: number;
}

/**
 * A `lockout` record of `subject` for `ttlSeconds` from `nowMs`, with an id that names
 * rule, subject and time (the CrowdSec view's tests read it back).
 */
export function lockoutCommand(
  subject: string,
  ttlSeconds: number,
  options: LockoutOptions = {},
): LockoutCommand {
  const nowMs = options.nowMs ?? Date.now();
  const rule = options.rule ?? 'sequential-id-scan';
  return {
    ...lockoutRecord({
      scope: options.scope ?? 'ip',
      subject,
      rule,
      ...(options.mode && { mode: options.mode }),
      ttlMs: ttlSeconds * 1000,
      nowMs,
    }),
    id: `${rule}-${subject}-${nowMs}`,
    ttlSeconds,
  };
}

/** A lockout by `sequential-id-scan` (enforce mode and 1 h unless told), issued now, checked by the schema. */
export function testLockout(
  scope: Scope,
  subject: string,
  options: { mode?: Mode; ttlSeconds?: number; nowMs?: number } = {},
): LockoutCommand {
  return lockoutCommandSchema.parse(
    lockoutRecord({
      scope,
      subject,
      ...(options.mode && { mode: options.mode }),
      ttlMs: (options.ttlSeconds ?? 3600) * 1000,
      ...(options.nowMs !== undefined && { nowMs: options.nowMs }),
    }),
  );
}

/** Produces `records` to `topic`, each under its contract key. */
export async function publishLockoutRecords(
  brokers: string[],
  topic: string,
  records: readonly LockoutRecord[],
): Promise<void> {
  const producer = await lockoutProducer(brokers);
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: records.map((record) => lockoutMessage(record, record)),
    });
  } finally {
    await producer.disconnect();
  }
}
