// Which key secret made the state under a key prefix. Every key name and stored id in
// Redis is an HMAC under EXFILGUARD_KEY_SECRET, so an instance started with another
// secret finds none of the state (windows, offences, pending lockouts) and quietly
// starts every actor from zero while the old state lingers until it expires. The marker
// is a keyed fingerprint of the secret under `<prefix>:key-secret`: the first instance
// writes it, every later one compares, and a different secret is refused at start.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { ExfilguardError } from '../vocabulary/errors.js';

const VERSION = 'v1';

export interface KeySecretMarkerOptions {
  readonly secret: string;
  readonly prefix: string;
  /** Replace a marker of another secret (a rotation on purpose) instead of refusing. */
  readonly rotate?: boolean;
  /** The marker's date; the wall clock by default. */
  readonly now?: () => Date;
}

/** What the check found: the marker written now, already this secret's, or replaced. */
export interface KeySecretMarkerOutcome {
  readonly outcome: 'created' | 'matched' | 'rotated';
  readonly key: string;
  /** When the marker in force was written (now, for created and rotated). */
  readonly since: string;
}

export function keySecretMarkerKey(prefix: string): string {
  return `${prefix}:key-secret`;
}

/**
 * 128 bits of HMAC-SHA-256 of a fixed label under the secret: equal for one secret,
 * and telling nothing of it (a guess at the secret costs one HMAC, as a guess at any
 * key name does already; the secret has at least 32 characters).
 */
function fingerprint(secret: string): string {
  return createHmac('sha256', secret)
    .update('exfilguard key-secret marker')
    .digest('hex')
    .slice(0, 32);
}

/** Compares the secret with the prefix's marker, writing it when absent (or rotating). */
export async function checkKeySecretMarker(
  redis: Redis | Cluster,
  options: KeySecretMarkerOptions,
): Promise<KeySecretMarkerOutcome> {
  const key = keySecretMarkerKey(options.prefix);
  const since = (options.now?.() ?? new Date()).toISOString();
  const ours = fingerprint(options.secret);
  const value = `${VERSION}:${ours}:${since}`;
  // No expiry: the marker must outlive the longest-kept state (offences, days).
  if ((await redis.set(key, value, 'NX')) === 'OK') return { outcome: 'created', key, since };
  const found = await redis.get(key);
  if (found === null) {
    // Deleted between the two calls (a flush): write it again.
    await redis.set(key, value);
    return { outcome: 'created', key, since };
  }
  const [version, theirs, written] = splitMarker(found);
  if (version === VERSION && sameFingerprint(theirs, ours)) {
    return { outcome: 'matched', key, since: written };
  }
  if (options.rotate) {
    await redis.set(key, value);
    return { outcome: 'rotated', key, since };
  }
  throw new ExfilguardError(
    'KEY_SECRET_MISMATCH',
    `Redis holds exfilguard state made under another EXFILGUARD_KEY_SECRET (marker ${key}, ` +
      `written ${written || 'at an unknown time'}): with this secret every window, offence and ` +
      'pending lockout there would be lost without a word. Start with the secret the other ' +
      'instances of this deployment use. To change the secret on purpose, start one instance ' +
      'once with `exfilguard run --rotate-key-secret`: the state made under the old secret is ' +
      'abandoned (detection restarts from zero; lockouts already published stay in force) and ' +
      'expires by itself within 7 days. A separate deployment on this Redis takes its own ' +
      'EXFILGUARD_REDIS_KEY_PREFIX.',
  );
}

function splitMarker(value: string): [string, string, string] {
  const first = value.indexOf(':');
  const second = value.indexOf(':', first + 1);
  if (first === -1 || second === -1) return [value, '', ''];
  return [value.slice(0, first), value.slice(first + 1, second), value.slice(second + 1)];
}

function sameFingerprint(theirs: string, ours: string): boolean {
  const a = Buffer.from(theirs);
  const b = Buffer.from(ours);
  return a.length === b.length && timingSafeEqual(a, b);
}
