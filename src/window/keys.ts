// Redis key names. An actor's keys carry an HMAC of `scope:subject` under the configured
// secret, so nobody reading a Redis dump learns whose windows they are; windows within
// an actor's state are named by a hash of rule and route: no path is stored in clear. Actors are grouped into SHARDS shards by
// that HMAC, and the hash tag is the shard: every key of one actor (and of its shard
// mates) sits on one Redis Cluster slot, so one Lua script call updates many actors.
import { createHash, createHmac } from 'node:crypto';

const PREFIX = 'eg';

/** Shards of actors: script calls per batch at most, and Redis Cluster slots used. */
export const SHARDS = 256;

/** An actor's identity in Redis: its HMAC tag and the keys it owns. */
export interface ActorKeys {
  /** 128 bits of HMAC-SHA-256, URL-safe base64. */
  readonly tag: string;
  readonly shard: number;
  /** The actor's state: windows, offences and applied positions in one msgpack value. */
  readonly state: string;
  /** The actor's granted, unconfirmed lockouts (a hash). */
  readonly outbox: string;
}

/** Actors remembered between batches (their HMACs cost a few µs each). */
const CACHED_ACTORS = 100_000;

export class RedisKeys {
  private readonly fields = new Map<string, string>();
  /** Per scope, subject → keys. */
  private readonly actors = new Map<string, Map<string, ActorKeys>>();
  private cached = 0;

  constructor(private readonly secret: string) {}

  /** The actor's hash: 128 bits of HMAC-SHA-256, URL-safe base64. */
  actorTag(scope: string, subject: string): string {
    return this.actor(scope, subject).tag;
  }

  actor(scope: string, subject: string): ActorKeys {
    let ofScope = this.actors.get(scope);
    if (ofScope === undefined) {
      ofScope = new Map();
      this.actors.set(scope, ofScope);
    }
    let keys = ofScope.get(subject);
    if (keys === undefined) {
      const digest = createHmac('sha256', this.secret).update(`${scope}:${subject}`).digest();
      const tag = digest.toString('base64url').slice(0, 22);
      const shard = ((digest[30]! << 8) | digest[31]!) % SHARDS;
      keys = {
        tag,
        shard,
        state: `${PREFIX}:{${shard}}:${tag}`,
        outbox: `${PREFIX}:{${shard}}:${tag}:out`,
      };
      if (this.cached >= CACHED_ACTORS) {
        for (const map of this.actors.values()) map.clear();
        this.cached = 0;
      }
      ofScope.set(subject, keys);
      this.cached += 1;
    }
    return keys;
  }

  /**
   * The field of a window within its actor's state: 60 bits of SHA-256 of the rule and
   * route (short, since every actor's state repeats it; no path in clear).
   */
  windowField(rule: string, route: string | undefined): string {
    const id = route === undefined ? rule : `${rule}\u0000${route}`;
    let field = this.fields.get(id);
    if (field === undefined) {
      field = createHash('sha256').update(id).digest('base64url').slice(0, 10);
      // Routes are few; attacker-invented ones could be many: keep the cache bounded.
      if (this.fields.size > 10_000) this.fields.clear();
      this.fields.set(id, field);
    }
    return field;
  }
}
