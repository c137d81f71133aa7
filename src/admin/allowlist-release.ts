// Allowlist changes act on lockouts in force: a rule reload that newly allowlists an
// address, user or session releases the lockouts in force of what it now covers, done
// by the rule loader. Every instance reloads the same files, so every instance finds the
// same releases; each has an id made of the lockout and the allowlist entry only, and an
// election in the shared Redis (claim) lets one instance publish it, once.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { releaseCommand, type LockoutCommand, type ReleaseCommand } from '../decide/lockout.js';
import type { Logger } from '../log.js';
import {
  newlyCovering,
  type AllowlistCoverage,
  type AllowlistEntry,
} from '../rules/allowlist-coverage.js';
import type { LiftRequest } from '../window/store.js';
import { auditRecord, type AuditRecord } from './audit.js';
import type { PublishRecords } from './lockout-writer.js';

/** Who the releases and their audit records name. */
export const RULE_LOADER = 'rule-loader';

export interface PlannedRelease {
  readonly lockout: LockoutCommand;
  readonly entry: AllowlistEntry;
  readonly release: ReleaseCommand;
}

/**
 * The release's id: of the lockout and the entry that newly covers it, never of a time
 * or an instance, so every instance reloading the same change computes the same id.
 */
export function allowlistReleaseId(lockoutId: string, entry: AllowlistEntry): string {
  const entryDigest = createHash('sha256').update(`${entry.scope}:${entry.value}`).digest('hex');
  return createHash('sha256')
    .update(`allowlist\n${lockoutId}\n${entryDigest}`)
    .digest('hex')
    .slice(0, 32);
}

/** The releases a change of allowlists calls for: lockouts in force newly covered. */
export function planAllowlistReleases(
  inForce: readonly LockoutCommand[],
  before: AllowlistCoverage,
  after: AllowlistCoverage,
  nowMs: number,
): PlannedRelease[] {
  const planned: PlannedRelease[] = [];
  for (const lockout of inForce) {
    const entry = newlyCovering(before, after, lockout.scope, lockout.subject);
    if (entry === undefined) continue;
    // The file's name, not its path nor the entry: a release already names its subject.
    const where =
      entry.file === undefined ? 'an allowlist' : `the allowlist ${basename(entry.file)}`;
    const by = { releasedBy: RULE_LOADER, reason: `${lockout.scope} added to ${where}` };
    const release = {
      ...releaseCommand(lockout, by, nowMs),
      id: allowlistReleaseId(lockout.id, entry),
    };
    planned.push({ lockout, entry, release });
  }
  return planned;
}

export interface AllowlistReleaserOptions {
  /** The lockouts in force now (the directory, read up to the topic's end). */
  readonly inForce: () => Promise<readonly LockoutCommand[]>;
  readonly publish: PublishRecords;
  /** True for the one instance that wins the release id (a SET NX in the shared Redis). */
  readonly claim: (releaseId: string) => Promise<boolean>;
  /** The window store's lift: the released rule's pending lockouts must not come back. */
  readonly lift?: (request: LiftRequest) => Promise<void>;
  /** The audit topic's writer when the admin API is on; the log line is written always. */
  readonly audit?: { write(record: AuditRecord): Promise<void> };
  readonly logger: Logger;
  readonly now?: () => number;
}

export class AllowlistReleaser {
  private readonly now: () => number;

  constructor(private readonly options: AllowlistReleaserOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Releases what `after` newly covers; returns the releases this instance published. */
  async reloaded(before: AllowlistCoverage, after: AllowlistCoverage): Promise<ReleaseCommand[]> {
    const { logger } = this.options;
    const planned = planAllowlistReleases(await this.options.inForce(), before, after, this.now());
    const published: ReleaseCommand[] = [];
    for (const plan of planned) {
      if (!(await this.options.claim(plan.release.id))) continue;
      try {
        await this.publishOne(plan);
      } catch (error) {
        logger.error(
          { err: error, release: plan.release.id },
          // The id stays claimed (another instance would only fail the same way, and a
          // later reload sees the subject covered already): an operator lifts it.
          'allowlist release: not published; lift the lockout with `exfilguard lockouts lift`',
        );
        continue;
      }
      published.push(plan.release);
      await this.audit(plan);
    }
    return published;
  }

  private async publishOne({ lockout, release }: PlannedRelease): Promise<void> {
    const nowMs = this.now();
    // As an operator's lift: the detector's state first (windows, offences and the pending
    // lockout of this rule), with no grace since the allowlist keeps the actor out anyway.
    await this.options.lift?.({
      scope: lockout.scope,
      subject: lockout.subject,
      rules: [lockout.rule],
      graceUntilMs: nowMs,
    });
    await this.options.publish([release]);
  }

  /** Written by the instance that published only; a failed audit write is logged, not retried. */
  private async audit({ lockout, release }: PlannedRelease): Promise<void> {
    const nowMs = this.now();
    const record = auditRecord(
      {
        who: RULE_LOADER,
        action: 'allowlist.release',
        subject: `${lockout.scope}:${lockout.subject}`,
        rule: lockout.rule,
        reason: release.reason,
        lockoutIds: [release.id],
        requestId: release.id,
        outcome: 'ok',
      },
      nowMs,
    );
    if (!this.options.audit) {
      this.options.logger.info({ audit: record }, 'audit');
      return;
    }
    await this.options.audit.write(record).catch((error: unknown) => {
      this.options.logger.error({ err: error, audit: record }, 'audit: not written to its topic');
    });
  }
}
