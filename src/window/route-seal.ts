// The route of a granted, unconfirmed lockout, sealed for the Redis outbox. The outbox
// must let a successor rebuild the lockout's evidence after a crash, route included, so
// a keyed hash (one-way) would not do; a route in clear would tell a reader of a Redis
// dump which records an actor walked. AES-256-GCM under a key derived from the key
// secret: confidential and tamper-evident; a record sealed under another secret (or
// altered) opens to nothing, and the lockout is rebuilt without its route.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Sealed routes remembered: routes are few, attacker-invented ones could be many. */
const CACHED_ROUTES = 10_000;

export class RouteSeal {
  private readonly key: Buffer;
  /**
   * route → sealed text. A route is sealed once per process (one random IV, never reused
   * for another plaintext), so each script call does not pay a cipher per window.
   */
  private readonly sealed = new Map<string, string>();

  constructor(secret: string) {
    // Domain-separated from the other uses of the secret (actor tags, window fields).
    this.key = createHmac('sha256', secret).update('exfilguard outbox route key v1').digest();
  }

  /** IV, tag and ciphertext, URL-safe base64 (a JSON-safe string for the script). */
  seal(route: string): string {
    let text = this.sealed.get(route);
    if (text === undefined) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, this.key, iv);
      const body = Buffer.concat([cipher.update(route, 'utf8'), cipher.final()]);
      text = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
      if (this.sealed.size >= CACHED_ROUTES) this.sealed.clear();
      this.sealed.set(route, text);
    }
    return text;
  }

  /** The route, or undefined when the text was not sealed under this secret. */
  open(text: string): string | undefined {
    const raw = Buffer.from(text, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const body = raw.subarray(IV_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
