// Each actor's peak figures for one rule (or one route of a rule), kept by scope and
// then subject: the per-reading path builds no key and allocates only for a new actor.
import type { Reading } from '../window/store.js';
import type { TunedFigure } from './tuned-figures.js';

export class PeakTable {
  private readonly byScope = new Map<string, Map<string, number[]>>();
  private count = 0;

  constructor(private readonly figures: readonly TunedFigure[]) {}

  /** Raises the actor's peaks to the reading's figures; true when the actor is new. */
  raise(scope: string, subject: string, reading: Reading): boolean {
    let subjects = this.byScope.get(scope);
    if (!subjects) {
      subjects = new Map();
      this.byScope.set(scope, subjects);
    }
    const { figures } = this;
    const peaks = subjects.get(subject);
    if (!peaks) {
      subjects.set(
        subject,
        figures.map((figure) => figure.of(reading)),
      );
      this.count += 1;
      return true;
    }
    for (let f = 0; f < figures.length; f += 1) {
      const value = figures[f]!.of(reading);
      if (value > peaks[f]!) peaks[f] = value;
    }
    return false;
  }

  get size(): number {
    return this.count;
  }

  /** Actor (`scope:subject`; a route alone) → its peaks, one per figure. */
  *entries(): IterableIterator<[string, readonly number[]]> {
    for (const [scope, subjects] of this.byScope) {
      for (const [subject, peaks] of subjects)
        yield [scope === 'route' ? subject : `${scope}:${subject}`, peaks];
    }
  }

  /** Figure `f` of every actor, ascending. */
  sorted(f: number): Float64Array {
    const values = new Float64Array(this.count);
    let i = 0;
    for (const [, peaks] of this.entries()) values[i++] = peaks[f]!;
    return values.sort();
  }
}
