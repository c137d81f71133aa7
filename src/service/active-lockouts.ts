// The lockouts this instance published that are still in force, for the
// `exfilguard_active_lockouts` gauge. Kept by id, so a lockout announced again after a
// crash counts once; bounded, since an attack on the detector could be a flood of
// lockouts (the oldest are forgotten first: they expire first for one rule's ttl).
import type { LockoutCommand } from '../decide/lockout.js';
import type { ActiveLockoutCount } from '../metrics.js';

const MAX_TRACKED = 100_000;

interface Tracked {
  readonly rule: string;
  readonly scope: string;
  readonly mode: string;
  readonly expiresAtMs: number;
}

export class ActiveLockouts {
  private readonly byId = new Map<string, Tracked>();

  constructor(private readonly maxTracked = MAX_TRACKED) {}

  add(lockout: LockoutCommand): void {
    if (this.byId.has(lockout.id)) return;
    if (this.byId.size >= this.maxTracked) {
      const oldest = this.byId.keys().next();
      if (!oldest.done) this.byId.delete(oldest.value);
    }
    this.byId.set(lockout.id, {
      rule: lockout.rule,
      scope: lockout.scope,
      mode: lockout.mode,
      expiresAtMs: Date.parse(lockout.expiresAt),
    });
  }

  /** Counts by rule, scope and mode of those still in force at `now`; forgets the rest. */
  counts(now = Date.now()): ActiveLockoutCount[] {
    const counts = new Map<string, { labels: ActiveLockoutCount['labels']; count: number }>();
    for (const [id, tracked] of this.byId) {
      if (tracked.expiresAtMs <= now) {
        this.byId.delete(id);
        continue;
      }
      const key = `${tracked.rule}\u0000${tracked.scope}\u0000${tracked.mode}`;
      const entry = counts.get(key);
      if (entry) entry.count += 1;
      else
        counts.set(key, {
          labels: { rule: tracked.rule, scope: tracked.scope, mode: tracked.mode },
          count: 1,
        });
    }
    return [...counts.values()];
  }
}
