// `exfilguard enforce` in integration tests: started as an operator would configure it
// (EXFILGUARD_* variables, a free port), lockouts written straight to its topic, and
// its check endpoint called as a gateway calls it. Each check comes from this process,
// i.e. from 127.0.0.1, a trusted proxy by default, so X-Forwarded-For names the client.
import { Kafka, type Producer } from 'kafkajs';
import { loadEnforceConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startEnforcer, type RunningEnforcer } from '../../src/service/enforcer-service.js';
import { Enforcer, type IdentityOptions, type TableState } from '../../src/enforce/index.js';
import { uniqueName } from './kafka.js';
import { lockoutMessage, lockoutProducer, lockoutRecord, type LockoutSpec } from './lockouts.js';

export class EnforceHarness {
  private readonly running: RunningEnforcer[] = [];
  private connected: Producer | undefined;

  constructor(private readonly brokers: string[]) {}

  /** The producer of lockout records (after open()). */
  get producer(): Producer {
    if (this.connected === undefined) throw new Error('EnforceHarness: open() first');
    return this.connected;
  }

  readonly open = async (): Promise<void> => {
    this.connected = await lockoutProducer(this.brokers);
  };

  /** Stops every enforcer started here and the producer. */
  readonly close = async (): Promise<void> => {
    await Promise.allSettled(this.running.map((r) => r.stop()));
    await this.connected?.disconnect();
  };

  /** `exfilguard enforce` on `topic` with these EXFILGUARD_* settings, on a free port. */
  readonly enforce = async (
    topic: string,
    env: Record<string, string> = {},
  ): Promise<RunningEnforcer> => {
    const config = loadEnforceConfig({
      EXFILGUARD_KAFKA_BROKERS: this.brokers.join(','),
      EXFILGUARD_KAFKA_CLIENT_ID: uniqueName('enforce'),
      EXFILGUARD_LOCKOUT_TOPIC: topic,
      EXFILGUARD_ENFORCE_PORT: '0',
      EXFILGUARD_LOG_LEVEL: 'silent',
      ...env,
    });
    const started = await startEnforcer(config, createLogger(config.logLevel));
    this.running.push(started);
    return started;
  };

  readonly enforceCaughtUp = async (
    topic: string,
    env: Record<string, string> = {},
  ): Promise<RunningEnforcer> => {
    const started = await this.enforce(topic, env);
    await started.enforcer.untilCaughtUp();
    return started;
  };

  /** Publishes a lockout (acks from all replicas) and returns it. */
  readonly publishLockout = async (topic: string, spec: LockoutSpec) => {
    const record = lockoutRecord(spec);
    await this.producer.send({ topic, acks: -1, messages: [lockoutMessage(record, record)] });
    return record;
  };
}

/** One call of the check endpoint, as a gateway makes it. */
export function check(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/check`, { headers });
}

/** Headers of a check for a client at `address`, as a trusted gateway forwards them. */
export const client = (address: string, more: Record<string, string> = {}) => ({
  'x-forwarded-for': address,
  ...more,
});

/**
 * Polls the check every `everyMs` until it answers `status`; returns the milliseconds
 * from the call to that answer. Throws after `timeoutMs`.
 */
export async function untilStatus(
  url: string,
  headers: Record<string, string>,
  status: number,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<{ ms: number; response: Response }> {
  const began = performance.now();
  for (;;) {
    const response = await check(url, headers);
    await response.arrayBuffer();
    if (response.status === status) return { ms: performance.now() - began, response };
    if (performance.now() - began > timeoutMs) {
      throw new Error(`check never answered ${status} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * An enforcer whose table the test fills and whose table state it sets: state() is
 * what a subscription to a real broker would make `current` once caught up; no broker is
 * ever contacted (start() is not called).
 */
export class TableEnforcer extends Enforcer {
  tableState: TableState = 'current';

  constructor(identity: IdentityOptions = {}) {
    super({
      kafka: new Kafka({ brokers: ['127.0.0.1:9'] }),
      topic: 'lockouts',
      logger: createLogger('silent'),
      identity,
    });
  }

  override state(): TableState {
    return this.tableState;
  }

  /** Puts a lockout in force for an hour, as a record of the topic would. */
  lock(spec: Omit<LockoutSpec, 'ttlMs'> & { ttlMs?: number; id?: string }): void {
    const record = lockoutRecord({ ttlMs: 3_600_000, ...spec });
    this.table.applyLockout(
      spec.id === undefined ? record : { ...record, id: spec.id },
      Date.now(),
    );
  }
}
