// `report --lockout ID`: whose lockout, and when. First the lockouts topic (contract 2),
// read whole: while the lockout's record is still there (compaction keeps the latest
// record of each rule/mode/subject key) it gives everything, and a release that names
// it ends the span. A manual lockout (admin API) whose record is gone is still in the
// audit trail, which the admin API writes for every add and lift (400 days): the add
// gives the subject and time, a later lift of the same subject ends the span. The
// report says which source it was.
import type { Kafka } from 'kafkajs';
import { auditRecordSchema, type AuditRecord } from '../admin/index.js';
import type { LockoutCommand, ReleaseCommand } from '../decide/lockout.js';
import type { Logger } from '../log.js';
import type { ReportLockout } from '../report/index.js';
import { rangeByTime, readRange, topicExists } from '../source/topic-range.js';
import { ExfilguardError } from '../vocabulary/errors.js';
import { SCOPES, type Scope } from '../vocabulary/scope.js';
import { followLockouts } from './lockouts-follow.js';

export interface LockoutTopics {
  readonly kafka: Kafka;
  readonly lockouts: string;
  readonly audit: string;
  readonly logger: Logger;
}

export async function findLockout(id: string, topics: LockoutTopics): Promise<ReportLockout> {
  const found = (await fromLockoutsTopic(id, topics)) ?? (await fromAuditTopic(id, topics));
  if (found) return found;
  throw new ExfilguardError(
    'LOCKOUT_NOT_FOUND',
    `no lockout "${id}" on the topic ${topics.lockouts} (compaction keeps only the latest lockout ` +
      `of each rule and subject) nor among the lockouts added by hand in ${topics.audit}; ` +
      'report on the subject instead: exfilguard report SCOPE:SUBJECT --locked-at TIME FILE…',
  );
}

async function fromLockoutsTopic(
  id: string,
  { kafka, lockouts: topic, logger }: LockoutTopics,
): Promise<ReportLockout | undefined> {
  let lockout: LockoutCommand | undefined;
  let release: ReleaseCommand | undefined;
  const follower = await followLockouts(
    { kafka, topic, logger, fromBeginning: true },
    {
      onRecord: (record) => {
        if (record.type === 'lockout' && record.id === id) lockout = record;
        else if (record.type === 'release' && record.releases === id) release ??= record;
      },
      onTombstone: () => {},
    },
  );
  try {
    await follower.untilCaughtUp();
  } finally {
    await follower.stop();
  }
  if (!lockout) return undefined;
  const until =
    release && release.issuedAt < lockout.expiresAt ? release.issuedAt : lockout.expiresAt;
  return {
    id,
    source: 'lockouts-topic',
    scope: lockout.scope,
    subject: lockout.subject,
    rule: lockout.rule,
    mode: lockout.mode,
    reason: lockout.reason,
    lockedAt: lockout.eventTime,
    expiresAt: until,
  };
}

async function fromAuditTopic(
  id: string,
  { kafka, audit: topic }: LockoutTopics,
): Promise<ReportLockout | undefined> {
  // No audit topic where the admin API never ran: no lockout was added by hand.
  if (!(await topicExists(kafka, topic))) return undefined;
  let added: AuditRecord | undefined;
  let lifted: AuditRecord | undefined;
  const ranges = await rangeByTime(kafka, topic, {});
  await readRange(kafka, topic, ranges, (value) => {
    const parsed = auditRecordSchema.safeParse(parseJson(value));
    if (!parsed.success || parsed.data.outcome !== 'ok') return;
    const record = parsed.data;
    if (record.action === 'lockout.add' && record.lockoutIds?.includes(id)) added = record;
    else if (
      added &&
      !lifted &&
      record.action === 'lockout.lift' &&
      record.subject === added.subject &&
      record.time >= added.time
    )
      lifted = record;
  });
  const subject = added?.subject;
  const colon = subject?.indexOf(':') ?? -1;
  if (!added || subject === undefined || colon <= 0) return undefined;
  const scope = subject.slice(0, colon) as Scope;
  if (!SCOPES.includes(scope)) return undefined;
  return {
    id,
    source: 'audit-topic',
    scope,
    subject: subject.slice(colon + 1),
    rule: added.rule ?? 'manual',
    ...(added.reason !== undefined && { reason: added.reason }),
    lockedAt: added.time,
    ...(lifted && { expiresAt: lifted.time }),
  };
}

function parseJson(value: Buffer | null): unknown {
  if (value === null) return undefined;
  try {
    return JSON.parse(value.toString());
  } catch {
    return undefined;
  }
}
