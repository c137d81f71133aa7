// Redis key names. Every key of one actor carries the same hash tag — an HMAC of
// `scope:subject` under the configured secret — so one Lua script sees all of them on
// one Redis Cluster slot, and nobody reading a Redis dump learns whose windows they are.
// Route templates are hashed too: no path is stored in clear.
import { createHash, createHmac } from 'node:crypto';
import type { WindowKey } from './store.js';

const PREFIX = 'eg';

export class RedisKeys {
  private readonly routeHashes = new Map<string, string>();

  constructor(private readonly secret: string) {}

  /** The actor's hash tag: 128 bits of HMAC-SHA-256, URL-safe base64. */
  actorTag(scope: string, subject: string): string {
    return createHmac('sha256', this.secret)
      .update(`${scope}:${subject}`)
      .digest('base64url')
      .slice(0, 22);
  }

  positions(tag: string): string {
    return `${PREFIX}:{${tag}}:pos`;
  }

  outbox(tag: string): string {
    return `${PREFIX}:{${tag}}:out`;
  }

  window(tag: string, key: WindowKey): string {
    const route = key.route === undefined ? '' : `:${this.routeHash(key.route)}`;
    return `${PREFIX}:{${tag}}:w:${key.rule}${route}`;
  }

  offences(tag: string, rule: string): string {
    return `${PREFIX}:{${tag}}:o:${rule}`;
  }

  private routeHash(route: string): string {
    let hash = this.routeHashes.get(route);
    if (hash === undefined) {
      hash = createHash('sha256').update(route).digest('base64url').slice(0, 12);
      // Routes are few; attacker-invented ones could be many: keep the cache bounded.
      if (this.routeHashes.size > 10_000) this.routeHashes.clear();
      this.routeHashes.set(route, hash);
    }
    return hash;
  }
}
