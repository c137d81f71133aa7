// Redis key names, and what hides personal data in Redis values. An actor's keys carry
// an HMAC of `scope:subject` under the configured secret, so nobody reading a Redis dump
// learns whose windows they are; windows within an actor's state are named by an HMAC
// of rule and route (an unkeyed hash could be reversed with a dictionary of routes);
// object ids are stored offset by a per-actor value derived from the same HMAC (see
// idOffset). Actors are grouped into SHARDS shards by that HMAC, and the hash tag is the
// shard: every key of one actor (and of its shard mates) sits on one Redis Cluster slot,
// so one Lua script call updates many actors.
import { createHmac } from 'node:crypto';
import { RouteSeal } from './route-seal.js';

/** Where keys start unless EXFILGUARD_REDIS_KEY_PREFIX says otherwise. */
export const DEFAULT_KEY_PREFIX = 'eg';

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
  /** The actor's offences per rule (counts and times only), kept apart from its windows. */
  readonly offences: string;
  /**
   * Subtracted from every object id the actor's windows store: a uniform integer in
   * [0, 2^53). Ids are non-negative safe integers (≤ 2^53 − 1), so a stored id lies in
   * (−2^53, 2^53), exact as a double and as a msgpack integer, and the distance of two
   * stored ids is their ids' distance, exactly (it is at most 2^53 − 1): readings do not
   * change. A stored id alone tells nothing of the id; a reader who knows one of the
   * actor's ids learns the others (the price of keeping distances).
   */
  readonly idOffset: number;
}

/** Actors remembered between batches (their HMACs cost a few µs each). */
const CACHED_ACTORS = 100_000;

export class RedisKeys {
  private readonly fields = new Map<string, string>();
  /** Per scope, subject → keys. */
  private readonly actors = new Map<string, Map<string, ActorKeys>>();
  private cached = 0;

  private readonly routes: RouteSeal;

  constructor(
    private readonly secret: string,
    /** Every key starts with it (EXFILGUARD_REDIS_KEY_PREFIX). */
    readonly prefix: string = DEFAULT_KEY_PREFIX,
  ) {
    this.routes = new RouteSeal(secret);
  }

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
        state: `${this.prefix}:{${shard}}:${tag}`,
        outbox: `${this.prefix}:{${shard}}:${tag}:out`,
        offences: `${this.prefix}:{${shard}}:${tag}:off`,
        // Bytes 20–26, which neither the tag (bytes 0–16) nor the shard (30–31) shows.
        idOffset: (digest[20]! & 0x1f) * 2 ** 48 + digest.readUIntBE(21, 6),
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
   * The field of a window within its actor's state: 60 bits of HMAC-SHA-256 of the rule
   * and route (short, since every actor's state repeats it; keyed, so a dictionary of
   * routes does not tell which route a field is).
   */
  windowField(rule: string, route: string | undefined): string {
    const id = route === undefined ? rule : `${rule}\u0000${route}`;
    let field = this.fields.get(id);
    if (field === undefined) {
      field = createHmac('sha256', this.secret)
        .update(`window\u0000${id}`)
        .digest('base64url')
        .slice(0, 10);
      // Routes are few; attacker-invented ones could be many: keep the cache bounded.
      if (this.fields.size > 10_000) this.fields.clear();
      this.fields.set(id, field);
    }
    return field;
  }

  /**
   * The key of a once-only claim shared by every instance (e.g. publishing one release
   * of a rule reload): an HMAC of its name, so a Redis dump does not tell what was
   * claimed, nor for whom.
   */
  claimKey(name: string): string {
    const tag = createHmac('sha256', this.secret)
      .update(`claim\u0000${name}`)
      .digest('base64url')
      .slice(0, 22);
    return `${this.prefix}:claim:${tag}`;
  }

  /** A route as the outbox keeps it: sealed ('' for none). */
  sealRoute(route: string | undefined): string {
    return route === undefined ? '' : this.routes.seal(route);
  }

  /** A route the outbox kept, or undefined when it cannot be opened. */
  openRoute(sealed: string): string | undefined {
    return this.routes.open(sealed);
  }
}
