// Lockouts the store returns as still pending: granted by a batch that crashed (or
// lost its partition) before it confirmed them. Which to announce again, which only
// to confirm.
import type { PendingLockout, RecordPosition } from '../window/store.js';
import { baseStream } from './follow-up.js';

export interface SortedRecovered {
  /** Granted by a batch being redelivered now: announced again, with their original ids. */
  readonly republish: PendingLockout[];
  /** Granted by a batch that was committed, so published: confirmed, not announced. */
  readonly published: PendingLockout[];
}

/**
 * Commit follows publication, so a batch whose offsets are committed had published
 * its lockouts: a pending lockout triggered before this batch's first offset on the
 * same stream was published (confirm it, say nothing); one at or after it belongs to
 * a batch being redelivered now (announce it again, with its original id). One from
 * another stream waits for that stream's batch.
 */
export function sortRecovered(
  recovered: readonly PendingLockout[],
  positions: readonly (RecordPosition | undefined)[] | undefined,
): SortedRecovered {
  const republish: PendingLockout[] = [];
  const published: PendingLockout[] = [];
  // The usual case: no batch crashed, and the positions need not be read again.
  if (recovered.length === 0) return { republish, published };
  const firstOffsets = firstOffsetsOf(positions);
  for (const lockout of recovered) {
    if (!lockout.position) {
      republish.push(lockout);
      continue;
    }
    // A follow-up's lockout (`<stream>#sweep`) belongs to its record's batch.
    const first = firstOffsets.get(baseStream(lockout.position.stream));
    if (first === undefined) continue;
    (lockout.position.offset >= first ? republish : published).push(lockout);
  }
  return { republish, published };
}

function firstOffsetsOf(
  positions: readonly (RecordPosition | undefined)[] | undefined,
): Map<string, number> {
  const firstOffsets = new Map<string, number>();
  for (const position of positions ?? []) {
    if (!position) continue;
    const first = firstOffsets.get(position.stream);
    if (first === undefined || position.offset < first)
      firstOffsets.set(position.stream, position.offset);
  }
  return firstOffsets;
}
