// Secrets configured as their SHA-256 (never in clear): admin tokens, CrowdSec bouncer
// keys. A presented secret is hashed and compared with every configured hash in
// constant time, without stopping at a match, so timing tells nothing about which
// secrets exist or which one matched.
import { createHash, timingSafeEqual } from 'node:crypto';

export class HashedSecrets<T> {
  private readonly entries: { readonly hash: Buffer; readonly value: T }[];

  /** `hash`: the hex SHA-256 of a secret; `value`: what presenting that secret names. */
  constructor(entries: Iterable<{ readonly hash: string; readonly value: T }>) {
    this.entries = [...entries].map(({ hash, value }) => ({
      hash: Buffer.from(hash, 'hex'),
      value,
    }));
  }

  /** What the presented secret names, or undefined. */
  find(presented: string): T | undefined {
    const hash = createHash('sha256').update(presented).digest();
    let found: T | undefined;
    for (const entry of this.entries) {
      if (entry.hash.length === hash.length && timingSafeEqual(entry.hash, hash)) {
        found = entry.value;
      }
    }
    return found;
  }
}
