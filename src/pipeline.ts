// One batch of access events through every stage of the engine:
//   normalize → allowlist → match rules → observe windows → evaluate → claim → lockouts.
// The same code serves replay (memory store), rule tests and the streaming service
// (Redis store); it does no I/O of its own besides the two store calls per batch.
import type { AccessEvent } from './event/access-event.js';
import { explain, fires, observe, type Verdict } from './detect/index.js';
import { claimFor, lockoutCommand, type Finding } from './decide/decide.js';
import type { LockoutCommand } from './decide/lockout.js';
import { actorIp } from './normalize/ip.js';
import { normalizeEvent, type NormalizedEvent } from './normalize/normalize.js';
import type { CompiledRule, CompiledRuleSet } from './rules/compile.js';
import type { Scope } from './rules/schema.js';
import type { Observation, Reading, WindowKey, WindowStore } from './window/store.js';

export interface BatchResult {
  readonly lockouts: LockoutCommand[];
  /** Events dropped because their client, user, session or route is allowlisted. */
  readonly allowlisted: number;
  /** Rule × actor windows updated. */
  readonly observations: number;
  /** Findings for actors already locked out by the same rule (not announced again). */
  readonly suppressed: number;
}

/** What `--explain` shows: one rule's view of one event of one actor. */
export interface TraceEntry {
  readonly event: NormalizedEvent;
  readonly key: WindowKey;
  readonly reading: Reading;
  readonly verdict: Verdict;
}

export interface PipelineOptions {
  /** Wall-clock time of publication for a command triggered at `eventTs`. */
  readonly issuedAt?: (eventTs: number) => number;
  /** Called for every reading (costly: for `--explain` and tests only). */
  readonly trace?: (entry: TraceEntry) => void;
}

export function subjectOf(
  event: AccessEvent,
  scope: Scope,
  ipv6Prefix: number,
): string | undefined {
  switch (scope) {
    case 'ip':
      return actorIp(event.ip, ipv6Prefix);
    case 'session':
      return event.session || undefined;
    case 'user':
      return event.user || undefined;
  }
}

export class DetectionPipeline {
  constructor(
    private ruleSet: CompiledRuleSet,
    private readonly store: WindowStore,
    private readonly options: PipelineOptions = {},
  ) {}

  /** Swaps the rules (hot reload); windows of rules that stay keep their state. */
  replaceRules(ruleSet: CompiledRuleSet): void {
    this.ruleSet = ruleSet;
  }

  get rules(): CompiledRuleSet {
    return this.ruleSet;
  }

  async process(events: readonly AccessEvent[]): Promise<BatchResult> {
    const { observations, owners, allowlisted } = this.observeAll(events);
    const readings = observations.length > 0 ? await this.store.observe(observations) : [];
    const findings = this.evaluateAll(observations, owners, readings);
    const claims =
      findings.length > 0 ? await this.store.claimLockouts(findings.map(claimFor)) : [];
    const issuedAt = this.options.issuedAt ?? (() => Date.now());
    const lockouts: LockoutCommand[] = [];
    claims.forEach((claim, i) => {
      const finding = findings[i]!;
      if (claim.granted) lockouts.push(lockoutCommand(finding, claim, issuedAt(finding.eventTs)));
    });
    return {
      lockouts,
      allowlisted,
      observations: observations.length,
      suppressed: claims.length - lockouts.length,
    };
  }

  private observeAll(events: readonly AccessEvent[]) {
    const observations: Observation[] = [];
    const owners: { rule: CompiledRule; event: NormalizedEvent }[] = [];
    let allowlisted = 0;
    const { rules, allowlist } = this.ruleSet;
    for (const raw of events) {
      const event = normalizeEvent(raw);
      if (allowlist.allows(event)) {
        allowlisted += 1;
        continue;
      }
      for (const rule of rules) {
        if (!rule.matches(event)) continue;
        for (const scope of rule.rule.key) {
          const subject = subjectOf(event, scope, rule.rule.ipv6Prefix);
          if (subject === undefined) continue;
          observations.push(observe(event, rule, { rule: rule.rule.id, scope, subject }));
          owners.push({ rule, event });
        }
      }
    }
    return { observations, owners, allowlisted };
  }

  private evaluateAll(
    observations: readonly Observation[],
    owners: readonly { rule: CompiledRule; event: NormalizedEvent }[],
    readings: readonly Reading[],
  ): Finding[] {
    const findings: Finding[] = [];
    const trace = this.options.trace;
    observations.forEach((observation, i) => {
      const { rule, event } = owners[i]!;
      const reading = readings[i]!;
      if (!trace && !fires(rule, reading)) return;
      const verdict = explain(rule, reading, observation.key);
      trace?.({ event, key: observation.key, reading, verdict });
      if (verdict.fired)
        findings.push({ rule, key: observation.key, eventTs: observation.ts, verdict });
    });
    return findings;
  }
}
