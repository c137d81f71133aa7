// Every actor's peak figures for every tuned rule, in one record per actor (by scope,
// then subject): the figures of all rules laid end to end in one array, −1 for
// a rule that never saw the actor. The steps of one event name the same few subjects
// rule after rule, so the last record of each scope is kept at hand: most steps cost
// no map lookup, and a new actor one allocation. Enumeration's per-route peaks are
// kept beside, keyed by the actor's record.
import type { Reading } from '../window/store.js';
import type { TunedFigure } from './tuned-figures.js';

/** Where a rule's figures sit in an actor's record. */
export interface RuleSlot {
  readonly offset: number;
  readonly figures: readonly TunedFigure[];
  /** Enumeration: its first figure's peak also per route. */
  readonly byRoute: boolean;
}

const SCOPES = ['ip', 'session', 'user', 'route'] as const;
const NOT_SEEN = -1;

export class PeakTable {
  private readonly byScope = new Map<string, Map<string, number[]>>();
  private readonly lastSubject: (string | undefined)[] = [];
  private readonly lastRecord: (number[] | undefined)[] = [];
  /** Per slot with byRoute: route → actor's record → peak. */
  readonly routes = new Map<RuleSlot, Map<string, Map<number[], number>>>();
  private count = 0;

  constructor(private readonly width: number) {
    for (const scope of SCOPES) this.byScope.set(scope, new Map());
  }

  /** Actor records and route entries held (the memory bound counts these). */
  get size(): number {
    return this.count;
  }

  raise(
    slot: RuleSlot,
    scope: string,
    subject: string,
    route: string | undefined,
    reading: Reading,
  ): void {
    const record = this.recordOf(scope, subject);
    const { figures, offset } = slot;
    for (let f = 0; f < figures.length; f += 1) {
      const value = figures[f]!.of(reading);
      if (value > record[offset + f]!) record[offset + f] = value;
    }
    if (slot.byRoute && route !== undefined)
      this.raiseOnRoute(slot, route, record, figures[0]!.of(reading));
  }

  private recordOf(scope: string, subject: string): number[] {
    const s = SCOPES.indexOf(scope as (typeof SCOPES)[number]);
    if (this.lastSubject[s] === subject) return this.lastRecord[s]!;
    const subjects = this.byScope.get(scope)!;
    let record = subjects.get(subject);
    if (!record) {
      record = new Array<number>(this.width).fill(NOT_SEEN);
      subjects.set(ownCopy(subject), record);
      this.count += 1;
    }
    this.lastSubject[s] = subject;
    this.lastRecord[s] = record;
    return record;
  }

  private raiseOnRoute(slot: RuleSlot, route: string, record: number[], value: number): void {
    let byRoute = this.routes.get(slot);
    if (!byRoute) {
      byRoute = new Map();
      this.routes.set(slot, byRoute);
    }
    let onRoute = byRoute.get(route);
    if (!onRoute) {
      onRoute = new Map();
      byRoute.set(ownCopy(route), onRoute);
    }
    const peak = onRoute.get(record);
    if (peak === undefined) this.count += 1;
    if (peak === undefined || value > peak) onRoute.set(record, value);
  }

  /** Each actor (`scope:subject`; a route alone) with its record. */
  forEach(visit: (actor: string, record: number[], scope: string, subject: string) => void): void {
    for (const [scope, subjects] of this.byScope) {
      for (const [subject, record] of subjects)
        visit(scope === 'route' ? subject : `${scope}:${subject}`, record, scope, subject);
    }
  }
}

/**
 * A string of its own, for a key kept for the whole log: a subject cut from a log line
 * (a combined line's address) can be a slice that holds the line's whole read chunk,
 * which would keep most of the log in memory. Once per new actor or route.
 */
function ownCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/** Whether the rule of `slot` saw the actor of `record`. */
export function seenBy(slot: RuleSlot, record: number[]): boolean {
  return record[slot.offset]! !== NOT_SEEN;
}
