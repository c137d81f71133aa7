import { describe, expect, it } from 'vitest';
import { compileRule } from '../rules/compile.js';
import { ruleSchema } from '../rules/schema.js';
import type { ApplyResult, Step, WindowKey } from '../window/store.js';
import { figurePeaks, lockedOnLog, PeakTracker } from './suggest.js';
import { tunedFigures } from './tuned-figures.js';

const rule = (id: string, detect: Record<string, unknown>) =>
  compileRule(
    ruleSchema.parse({
      id,
      description: 'd',
      key: ['ip', 'session'],
      window: '10m',
      detect,
      action: { ttl: '1h', severity: 'high' },
    }),
  );

const scan = rule('scan', { kind: 'enumeration', threshold: 50, minShare: 0.3 });
const breadth = rule('breadth', { kind: 'breadth', of: 'objects', threshold: 150 });
const sweep = rule('sweep', { kind: 'sweep', threshold: 100 });

/** Steps on `keys` and the store's readings of them, as replay's onApplied gets them. */
function batch(readings: readonly [WindowKey, number[]][]): [Step[], ApplyResult] {
  const steps = readings.map(([key]) => ({ observation: { key } }) as unknown as Step);
  const results = readings.map(([, reading]) => ({ reading, applied: true }));
  return [steps, { results, recovered: [] }];
}

describe('the peak of each actor', () => {
  it('keeps the highest figure over time and routes; a sweep by its route, not its participants', () => {
    const tracker = new PeakTracker([scan, breadth, sweep].map(tunedFigures), 100);
    const ip = { rule: 'scan', scope: 'ip', subject: '203.0.113.9' } as const;
    tracker.record(
      ...batch([
        [{ ...ip, route: '/a/:id' }, [30, 40, 1]],
        [{ ...ip, route: '/a/:id' }, [60, 70, 1]],
        [{ ...ip, route: '/b/:id' }, [5, 100, 0]],
        [{ ...ip, route: '/a/:id' }, [10, 20, 1]], // the window slid: the peak stays
        [{ rule: 'scan', scope: 'session', subject: 's1', route: '/b/:id' }, [12, 20, 1]],
        [{ rule: 'breadth', scope: 'ip', subject: '203.0.113.9' }, [300]],
        [{ rule: 'breadth', scope: 'session', subject: 's2' }, [40]],
        [{ rule: 'sweep', scope: 'route', subject: '/a/:id', route: '/a/:id' }, [80, 90, 1]],
        [{ rule: 'sweep', scope: 'ip', subject: '198.51.100.1', route: '/a/:id' }, [1, 500, 500]],
      ]),
    );
    const none = { actors: new Set<readonly number[]>(), routes: new Set<string>() };
    const peaksOf = (rule: string) => [
      ...figurePeaks(tracker, tracker.rules.get(rule)!, 0, none).sorted,
    ];
    expect(peaksOf('scan')).toEqual([12, 60]);
    const onRoute = tracker.table.routes.get(tracker.rules.get('scan')!.slot)!.get('/b/:id')!;
    expect([...onRoute.values()]).toEqual([0, 12]); // the ip: 5 close of 100 new, under minShare
    expect(peaksOf('sweep')).toEqual([80]);
    expect(peaksOf('breadth')).toEqual([40, 300]);

    // The scanner is locked by scan (60 ≥ 50): no rule learns from it (breadth learns
    // from 40 only), and the route it walked is no honest reading of the sweep either.
    const locked = lockedOnLog(tracker);
    expect(locked.actors.size).toBe(1);
    expect([...locked.routes]).toEqual(['/a/:id']);
    const breadthPeaks = figurePeaks(tracker, tracker.rules.get('breadth')!, 0, locked);
    expect([...breadthPeaks.learnable]).toEqual([40]);
    expect([...figurePeaks(tracker, tracker.rules.get('sweep')!, 0, locked).learnable]).toEqual([]);
  });

  it('stops at its bound, counting actors × rules and actors × routes', () => {
    const tracker = new PeakTracker([scan].map(tunedFigures), 3);
    const on = (subject: string, route: string) =>
      batch([[{ rule: 'scan', scope: 'ip', subject, route }, [1, 1, 0]]]);
    tracker.record(...on('a', '/a/:id')); // 2 entries: the actor, the actor on the route
    expect(() => tracker.record(...on('b', '/a/:id'))).toThrow(/more than 3 actor peaks/);
  });
});
