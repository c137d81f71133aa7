// One enforcer: the table, the subscription that fills it, who a request comes from,
// and the fail mode — composed so that `check(request)` is all a gateway integration
// calls (the enforce service's check endpoint, the Fastify hook).
import type { Kafka } from 'kafkajs';
import type { Logger } from '../log.js';
import { IdentityReader, type IdentityOptions, type RequestView } from './identity.js';
import { LockoutSubscription } from './subscription.js';
import { LockoutTable } from './table.js';
import { verdictOf, type FailMode, type TableState, type Verdict } from './verdict.js';

export interface EnforcerOptions {
  readonly kafka: Kafka;
  /** The lockouts topic. */
  readonly topic: string;
  readonly logger: Logger;
  readonly identity?: IdentityOptions;
  /** What to answer while the table cannot be vouched for (verdict.ts). Default `open`. */
  readonly failMode?: FailMode;
  /** No successful fetch for this long: the table is stale. Default 30 s. */
  readonly staleAfterMs?: number;
  readonly groupIdPrefix?: string;
  readonly now?: () => number;
}

/** Expired entries are dropped this often (they never refuse in between). */
const SWEEP_INTERVAL_MS = 1000;

export class Enforcer {
  readonly table = new LockoutTable();
  readonly identity: IdentityReader;
  readonly subscription: LockoutSubscription;
  readonly failMode: FailMode;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | undefined;
  /** Requests whose trusted address header held no address. */
  unreadableAddresses = 0;

  /** @throws Error naming an invalid trusted-proxy CIDR. */
  constructor(options: EnforcerOptions) {
    this.now = options.now ?? Date.now;
    this.identity = new IdentityReader(options.identity);
    this.failMode = options.failMode ?? 'open';
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    this.subscription = new LockoutSubscription({
      kafka: options.kafka,
      topic: options.topic,
      table: this.table,
      logger: options.logger,
      now: this.now,
      ...(options.groupIdPrefix !== undefined && { groupIdPrefix: options.groupIdPrefix }),
    });
  }

  /** Starts reading the topic; resolves once the consumer runs (see untilCaughtUp). */
  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.table.sweep(this.now()), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    await this.subscription.start();
  }

  untilCaughtUp(): Promise<void> {
    return this.subscription.untilCaughtUp();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.subscription.stop();
  }

  /** How far the table can be trusted now. */
  state(): TableState {
    if (!this.subscription.caughtUp) return 'catching-up';
    const last = this.subscription.lastFetchMs;
    if (last === undefined || this.now() - last > this.staleAfterMs) return 'stale';
    return 'current';
  }

  /** Allow or refuse one request. */
  check(request: RequestView): Verdict {
    const nowMs = this.now();
    const who = this.identity.identify(request);
    if (who.addressUnreadable) this.unreadableAddresses += 1;
    const keys = this.identity.subjectKeys(who, this.table.ipv6PrefixLengths);
    return verdictOf(this.table.match(keys, nowMs), this.state(), this.failMode, nowMs);
  }
}
