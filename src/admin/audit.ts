// The audit trail of the admin API: every mutation and every refused call, who (the
// token's name, never the token), when, what, why, and how it ended. Written to the
// audit topic (not compacted, long retention: README) and to the log; read back for
// `GET /v1/audit` from the topic's tail, kept in memory by every instance.
import { randomUUID } from 'node:crypto';
import { Partitioners, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { z } from 'zod';
import type { Logger } from '../log.js';
import { ADMIN_ROLES } from './auth.js';

export const AUDIT_ACTIONS = [
  'lockout.add',
  'lockout.lift',
  'auth.refused',
  // A rule reload newly allowlisted a subject with a lockout in force (who: rule-loader).
  'allowlist.release',
] as const;
export const AUDIT_OUTCOMES = [
  'ok',
  'unauthenticated',
  'forbidden',
  'invalid',
  'not_found',
  'error',
] as const;

export const auditRecordSchema = z
  .object({
    id: z.string().min(1),
    time: z.iso.datetime(),
    who: z.string().min(1).describe('The token’s name, or "anonymous" without a known token'),
    role: z.enum(ADMIN_ROLES).optional(),
    action: z.enum(AUDIT_ACTIONS),
    subject: z.string().optional().describe('"scope:subject" of the lockout acted on'),
    rule: z.string().optional(),
    reason: z.string().optional(),
    ticket: z.string().optional(),
    lockoutIds: z.array(z.string()).optional().describe('Lockouts added, or releases published'),
    requestId: z.string().min(1),
    outcome: z.enum(AUDIT_OUTCOMES),
  })
  .strict();

export type AuditRecord = z.infer<typeof auditRecordSchema>;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** A new record's id and time. */
export function auditRecord(
  fields: Omit<AuditRecord, 'id' | 'time'>,
  nowMs: number = Date.now(),
): AuditRecord {
  return { id: randomUUID(), time: new Date(nowMs).toISOString(), ...fields };
}

/** The last records read or written, newest first on listing; bounded. */
export class AuditTrail {
  private readonly records: { seq: number; record: AuditRecord }[] = [];
  private readonly ids = new Set<string>();
  private nextSeq = 1;

  constructor(private readonly capacity = 10_000) {}

  get size(): number {
    return this.records.length;
  }

  /** Adds a record unless held already (written here, then read back from the topic). */
  add(record: AuditRecord): void {
    if (this.ids.has(record.id)) return;
    this.ids.add(record.id);
    this.records.push({ seq: this.nextSeq++, record });
    if (this.records.length > this.capacity) {
      const dropped = this.records.shift();
      if (dropped) this.ids.delete(dropped.record.id);
    }
  }

  /** Newest first; `cursor` from the previous page. */
  list(limit: number, cursor?: string): { items: AuditRecord[]; nextCursor?: string } {
    const below = cursor === undefined ? Number.POSITIVE_INFINITY : decodeSeq(cursor);
    const items: { seq: number; record: AuditRecord }[] = [];
    for (let i = this.records.length - 1; i >= 0 && items.length <= limit; i -= 1) {
      const held = this.records[i]!;
      if (held.seq < below) items.push(held);
    }
    const page = items.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((h) => h.record),
      ...(items.length > limit &&
        last && { nextCursor: Buffer.from(String(last.seq)).toString('base64url') }),
    };
  }
}

export class InvalidAuditCursorError extends Error {
  constructor() {
    super('the cursor is not one this API gave out: start again without it');
  }
}

function decodeSeq(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isSafeInteger(seq) || seq <= 0) throw new InvalidAuditCursorError();
  return seq;
}

export interface AuditLogOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly logger: Logger;
  /** Records kept in memory for `GET /v1/audit`. */
  readonly capacity?: number;
}

/**
 * Writes audit records (the topic, acks from all replicas, then the log) and keeps the
 * topic's tail in memory: a private consumer group reads it from the beginning, so each
 * instance answers with every instance's records.
 */
export class AuditLog {
  readonly trail: AuditTrail;
  private readonly producer: Producer;
  private readonly consumer: Consumer;

  constructor(private readonly options: AuditLogOptions) {
    this.trail = new AuditTrail(options.capacity);
    this.producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      // Java's murmur2 partitioner, named: kafkajs warns at every start otherwise.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.consumer = options.kafka.consumer({
      groupId: `exfilguard-audit-${randomUUID()}`,
      maxWaitTimeInMs: 500,
    });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message, partition }) => {
        const parsed = auditRecordSchema.safeParse(parseJson(message.value?.toString()));
        if (parsed.success) this.trail.add(parsed.data);
        else {
          this.options.logger.warn(
            { topic: this.options.topic, partition, offset: message.offset },
            'audit topic: a record that is not an audit record, not read',
          );
        }
      },
    });
  }

  /** Publishes the record, logs it, and holds it for listing. Throws if Kafka refuses it. */
  async write(record: AuditRecord): Promise<void> {
    this.options.logger.info({ audit: record }, 'audit');
    this.trail.add(record);
    await this.producer.send({
      topic: this.options.topic,
      acks: -1,
      messages: [{ key: record.who, value: JSON.stringify(record) }],
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
