// Prometheus metrics of `exfilguard enforce`. Labels are bounded sets (outcomes, rule
// ids, scopes, modes): never an address, session or user. States (entries in force,
// catch-up, time since the last fetch) are read from the enforcer at each scrape.
import { Counter, Gauge, Registry, collectDefaultMetrics, type Counter as C } from 'prom-client';
import { RECORD_OUTCOMES, type CheckOutcome, type Enforcer } from './enforce/index.js';
import { PACKAGE_VERSION } from './package.js';
import { SCOPES, MODES } from './vocabulary/scope.js';

export const CHECK_OUTCOMES: readonly CheckOutcome[] = [
  'allowed',
  'refused',
  'shadow',
  'degraded_allowed',
  'degraded_refused',
];

export const BOUNCER_PULL_OUTCOMES = ['startup', 'delta', 'fell-behind'] as const;
export type BouncerPullOutcome = (typeof BOUNCER_PULL_OUTCOMES)[number] | 'forbidden';

export class EnforcerMetrics {
  readonly registry = new Registry();

  readonly checks = new Counter({
    name: 'exfilguard_enforce_checks_total',
    help: 'Checks answered, by outcome (allowed, refused, shadow: a shadow lockout matched and the request passed, degraded_allowed / degraded_refused: the fail mode answered) and rule ("" when none).',
    labelNames: ['outcome', 'rule'] as const,
    registers: [this.registry],
  });

  readonly bouncerPulls = new Counter({
    name: 'exfilguard_enforce_bouncer_pulls_total',
    help: 'CrowdSec bouncer requests, by bouncer name (from configuration; "" when the API key matched none) and outcome (startup, delta, fell-behind: a full answer because removals it had not seen were forgotten, forbidden).',
    labelNames: ['bouncer', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly records: Counter<'type'>;
  readonly unreadableAddresses: Counter;
  readonly entries: Gauge<'scope' | 'mode'>;
  readonly caughtUp: Gauge;
  readonly lastFetchAge: Gauge;
  readonly catchUpSeconds: Gauge;
  readonly buildInfo: Gauge<'version'>;

  /** Counter children per outcome and rule, made once: a check only increments. */
  private readonly children = new Map<string, C.Internal>();

  constructor(enforcer: Enforcer, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Counts the enforcer keeps itself, brought to the counters at each scrape.
    const recordsCounted = { lockout: 0, release: 0, tombstone: 0, invalid: 0 };
    this.records = new Counter({
      name: 'exfilguard_enforce_records_total',
      help: 'Records read from the lockouts topic, by type (lockout, release, tombstone, invalid).',
      labelNames: ['type'] as const,
      registers,
      collect: () => {
        for (const type of RECORD_OUTCOMES) {
          const read = enforcer.subscription.records[type];
          this.records.inc({ type }, read - recordsCounted[type]);
          recordsCounted[type] = read;
        }
      },
    });
    let unreadableCounted = 0;
    this.unreadableAddresses = new Counter({
      name: 'exfilguard_enforce_unreadable_addresses_total',
      help: "Checks whose trusted proxy sent an address header with no address in it (judged on session and user only): check the gateway's configuration.",
      registers,
      collect: () => {
        this.unreadableAddresses.inc(enforcer.unreadableAddresses - unreadableCounted);
        unreadableCounted = enforcer.unreadableAddresses;
      },
    });
    this.entries = new Gauge({
      name: 'exfilguard_enforce_entries',
      help: 'Lockouts held in the table, by scope and mode (shadow entries never refuse).',
      labelNames: ['scope', 'mode'] as const,
      registers,
      collect: () => {
        const counts = enforcer.table.countByScopeAndMode();
        for (const scope of SCOPES)
          for (const mode of MODES)
            this.entries.set({ scope, mode }, counts.get(`${scope}/${mode}`) ?? 0);
      },
    });
    this.caughtUp = new Gauge({
      name: 'exfilguard_enforce_caught_up',
      help: '1 once the lockouts topic has been read up to where it stood at start, else 0 (the fail mode answers).',
      registers,
      collect: () => this.caughtUp.set(enforcer.subscription.caughtUp ? 1 : 0),
    });
    this.lastFetchAge = new Gauge({
      name: 'exfilguard_enforce_last_fetch_age_seconds',
      help: 'Seconds since the last successful fetch from the broker (an idle topic is still fetched every 0.5 s).',
      registers,
      collect: () => {
        const last = enforcer.subscription.lastFetchMs;
        this.lastFetchAge.set(last === undefined ? Number.NaN : (Date.now() - last) / 1000);
      },
    });
    this.catchUpSeconds = new Gauge({
      name: 'exfilguard_enforce_catch_up_seconds',
      help: 'How long reading the lockouts topic up to its end at start took.',
      registers,
      collect: () => {
        const ms = enforcer.subscription.catchUpMs;
        if (ms !== undefined) this.catchUpSeconds.set(ms / 1000);
      },
    });
    this.buildInfo = new Gauge({
      name: 'exfilguard_build_info',
      help: 'Always 1; the labels say which exfilguard version runs.',
      labelNames: ['version'] as const,
      registers,
    });
    this.buildInfo.set({ version: PACKAGE_VERSION }, 1);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    // Exported from the start, so the first refusal is an increase from 0.
    for (const outcome of CHECK_OUTCOMES) this.checks.inc({ outcome, rule: '' }, 0);
    for (const type of RECORD_OUTCOMES) this.records.inc({ type }, 0);
  }

  countCheck(outcome: CheckOutcome, rule: string | undefined): void {
    const key = `${outcome}\n${rule ?? ''}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.checks.labels(outcome, rule ?? '');
      this.children.set(key, child);
    }
    child.inc();
  }

  /** Exports every configured bouncer's counters from 0, so a first pull is an increase. */
  initBouncers(names: readonly string[]): void {
    for (const outcome of BOUNCER_PULL_OUTCOMES) {
      for (const bouncer of names) this.bouncerPulls.inc({ bouncer, outcome }, 0);
    }
    this.bouncerPulls.inc({ bouncer: '', outcome: 'forbidden' }, 0);
  }

  /** `bouncer` is a configured name (or "" for a refused key), never request text. */
  countBouncerPull(bouncer: string, outcome: BouncerPullOutcome): void {
    this.bouncerPulls.inc({ bouncer, outcome });
  }
}
