// One script call of the Redis window store: the batch's steps of a group of actors
// (on a Redis Cluster, those of one shard), encoded as the apply script reads them
// (scripts/apply/01-arguments.lua: flat arguments, rule specs and windows once).
import type { ActorKeys, RedisKeys } from './keys.js';
import type { LockoutPolicy } from '../decide/policy.js';
import type { Observation, PendingLockout, WindowKey } from './store.js';

/** What a step's window is measured by: the rule's shape, thresholds and lockout policy. */
export interface Spec {
  readonly lockout: LockoutPolicy;
  readonly kind: Observation['kind'];
  readonly rule: string;
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly p1: number;
  readonly p2: number;
  /** A sequence's `closeAmong` (0: all recent ids). */
  readonly p3: number;
  /** The spec as the script reads it (scripts/apply/01-arguments.lua). */
  readonly args: readonly (string | number)[];
}

export interface Actor {
  readonly keys: ActorKeys;
  readonly scope: WindowKey['scope'];
  readonly subject: string;
  /** 1-based, in its shard's call. */
  readonly index: number;
  /** Its pending lockouts found by the call. */
  readonly pending: PendingLockout[];
}

/** One script call: the batch's steps of a group of actors. */
export class ShardCall {
  readonly actors: Actor[] = [];
  readonly actorIndex = new Map<ActorKeys, Actor>();
  /** Per step of the call: its index in the batch. */
  readonly steps: number[] = [];
  /** Per step of the call: its reading's figures, for decoding the reply (apply-reply.ts). */
  readonly figures: number[] = [];
  readonly specs: Spec[] = [];
  private readonly specIndex = new Map<Spec, number>();
  readonly windows: (string | number)[] = [];
  private readonly windowIndex = new Map<number, Map<string, number>>();
  private windowCount = 0;
  readonly streams: string[] = [];
  private readonly streamIndex = new Map<string, number>();
  /** The steps, as 09-steps.lua reads them: little-endian doubles in one argument. */
  readonly stepValues = new DoubleWriter();

  actor(keys: ActorKeys, key: WindowKey): Actor {
    let actor = this.actorIndex.get(keys);
    if (actor === undefined) {
      actor = {
        keys,
        scope: key.scope,
        subject: key.subject,
        index: this.actors.length + 1,
        pending: [],
      };
      this.actors.push(actor);
      this.actorIndex.set(keys, actor);
    }
    return actor;
  }

  window(spec: Spec, route: string | undefined, keys: RedisKeys): number {
    let specAt = this.specIndex.get(spec);
    if (specAt === undefined) {
      this.specs.push(spec);
      specAt = this.specs.length;
      this.specIndex.set(spec, specAt);
    }
    let byRoute = this.windowIndex.get(specAt);
    if (byRoute === undefined) {
      byRoute = new Map();
      this.windowIndex.set(specAt, byRoute);
    }
    const routeKey = route ?? '';
    let at = byRoute.get(routeKey);
    if (at === undefined) {
      this.windows.push(specAt, keys.windowField(spec.rule, route), keys.sealRoute(route));
      at = ++this.windowCount;
      byRoute.set(routeKey, at);
    }
    return at;
  }

  stream(name: string): number {
    let at = this.streamIndex.get(name);
    if (at === undefined) {
      this.streams.push(name);
      at = this.streams.length;
      this.streamIndex.set(name, at);
    }
    return at;
  }

  keysAndArgs(now: number): (string | number | Buffer)[] {
    const out: (string | number | Buffer)[] = [];
    for (const { keys } of this.actors) out.push(keys.state, keys.outbox, keys.offences);
    out.push(now, this.actors.length, this.specs.length);
    for (const spec of this.specs) for (const arg of spec.args) out.push(arg);
    out.push(this.windowCount);
    for (const arg of this.windows) out.push(arg);
    out.push(this.streams.length);
    for (const stream of this.streams) out.push(stream);
    out.push(this.stepValues.toBuffer());
    return out;
  }
}

/** A growing buffer of little-endian doubles. */
export class DoubleWriter {
  private view = new DataView(new ArrayBuffer(1024));
  private length = 0;

  push(value: number): void {
    if (this.length + 8 > this.view.byteLength) {
      const grown = new Uint8Array(this.view.byteLength * 2);
      grown.set(new Uint8Array(this.view.buffer, 0, this.length));
      this.view = new DataView(grown.buffer);
    }
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.view.buffer, 0, this.length);
  }
}
