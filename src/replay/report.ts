// What replay prints for people: the summary (stderr), the lockouts as a table
// (--table), a progress bar, and the trace of one actor (--explain).
import type { LockoutCommand } from '../decide/lockout.js';
import { actorIp } from '../normalize/index.js';
import type { TraceEntry } from '../pipeline/index.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { formatDuration } from '../vocabulary/units.js';
import type { ReplaySummary } from './replay.js';

export function formatSummary(summary: ReplaySummary): string {
  const rate = summary.seconds > 0 ? Math.round(summary.events / summary.seconds) : 0;
  const lines = [
    `replay: ${summary.lines} lines, ${summary.events} events, ${summary.invalid} invalid, ` +
      `${summary.late} out of order beyond the reorder window, ${summary.allowlisted} allowlisted, ` +
      `${summary.crawlers} of crawler networks on public routes`,
    ...summary.invalidSamples.map((sample) => `  invalid: ${sample}`),
  ];
  const byRule = Object.entries(summary.lockoutsByRule).sort((a, b) => b[1] - a[1]);
  const total = byRule.reduce((sum, [, count]) => sum + count, 0);
  lines.push(
    `lockouts: ${total}${byRule.length ? ` (${byRule.map(([r, c]) => `${r} ${c}`).join(', ')})` : ''}`,
  );
  if (summary.evicted.actors > 0) {
    lines.push(
      `memory cap: evicted ${summary.evicted.actors} least recently seen actors ` +
        `(${summary.evicted.windows} windows): their windows restarted, decisions may differ from the live detector`,
    );
  }
  const threads = summary.workers === 1 ? '1 worker' : `${summary.workers} workers`;
  lines.push(
    `time: ${summary.seconds.toFixed(2)} s, ${rate.toLocaleString('en-US')} events/s, ${threads}`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatTable(lockouts: readonly LockoutCommand[]): string {
  const header = ['EVENT TIME', 'RULE', 'SCOPE:SUBJECT', 'SEVERITY', 'MODE', 'TTL', 'REASON'];
  const rows = lockouts.map((l) => [
    l.eventTime,
    l.rule,
    `${l.scope}:${l.subject}`,
    l.severity,
    l.mode,
    formatDuration(l.ttlSeconds * 1000),
    l.reason,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return [render(header), ...rows.map(render)].join('\n') + '\n';
}

export function progressBar(fraction: number, width = 30): string {
  const done = Math.min(width, Math.round(fraction * width));
  return `\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${Math.round(fraction * 100)}%`;
}

/** Collects the readings of one actor and prints, per rule, how its figures evolved. */
export class Explainer {
  private readonly entries = new Map<string, TraceEntry[]>();

  constructor(
    readonly scope: string,
    readonly subject: string,
  ) {}

  /** For the pipeline's trace hook. */
  readonly record = (entry: TraceEntry): void => {
    if (entry.key.scope !== this.scope || !this.isSubject(entry.key.subject)) return;
    const list = this.entries.get(entry.key.rule) ?? [];
    list.push(entry);
    this.entries.set(entry.key.rule, list);
  };

  /** An IPv6 client is measured by its prefix: `ip:2001:db8::1` finds `2001:db8::/64`. */
  private isSubject(measured: string): boolean {
    if (measured === this.subject) return true;
    const slash = measured.lastIndexOf('/');
    return slash > 0 && actorIp(this.subject, Number(measured.slice(slash + 1))) === measured;
  }

  format(rules: CompiledRuleSet, lockouts: readonly LockoutCommand[], maxLines = 12): string {
    const out = [`explain ${this.scope}:${this.subject}`];
    for (const { rule } of rules.rules) {
      const entries = this.entries.get(rule.id) ?? [];
      out.push(
        `\nrule ${rule.id} (${rule.detect.kind}, window ${formatDuration(rule.window)}, mode ${rule.mode})`,
      );
      const routeOwned = this.scope === 'route' && rule.detect.kind === 'sweep';
      if (!routeOwned && !rule.key.includes(this.scope as never)) {
        const measures =
          rule.detect.kind === 'sweep'
            ? `${rule.key.join(', ')} and the route`
            : rule.key.join(', ');
        out.push(`  not keyed by ${this.scope}: measures ${measures}`);
        continue;
      }
      if (entries.length === 0) {
        out.push('  no event of this actor matched the rule');
        continue;
      }
      const step = Math.max(1, Math.ceil(entries.length / maxLines));
      const firstFired = entries.findIndex((e) => e.verdict.fired);
      entries.forEach((entry, i) => {
        if (i % step !== 0 && i !== entries.length - 1 && i !== firstFired) return;
        const mark = entry.verdict.fired ? 'FIRES' : '     ';
        const figures = Object.entries(entry.verdict.figures)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        out.push(`  ${new Date(entry.event.ts).toISOString()} ${mark} ${figures}`);
      });
      if (routeOwned) {
        out.push(this.sweepOutcome(entries, firstFired, lockouts, rule.id));
        continue;
      }
      const issued = lockouts.filter(
        (l) => l.rule === rule.id && l.scope === this.scope && this.isSubject(l.subject),
      );
      out.push(
        issued.length > 0
          ? issued
              .map(
                (l) =>
                  `  => lockout at ${l.eventTime} for ${formatDuration(l.ttlSeconds * 1000)}: ${l.reason}`,
              )
              .join('\n')
          : firstFired >= 0
            ? '  => fired while already locked out: not announced again'
            : `  => did not fire (${entries.length} matching events; last: ${entries.at(-1)!.verdict.reason})`,
      );
    }
    return `${out.join('\n')}\n`;
  }

  /** A route's window locks no one itself: its participants are locked on their own. */
  private sweepOutcome(
    entries: readonly TraceEntry[],
    firstFired: number,
    lockouts: readonly LockoutCommand[],
    rule: string,
  ): string {
    if (firstFired < 0)
      return `  => no sweep (${entries.length} fed events; last: ${entries.at(-1)!.verdict.reason})`;
    const participants = lockouts.filter(
      (l) => l.rule === rule && l.evidence.route === this.subject,
    );
    const since = new Date(entries[firstFired]!.event.ts).toISOString();
    return `  => a sweep from ${since}: ${participants.length} participants locked out (each on its own session or address)`;
  }
}
