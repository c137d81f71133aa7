// A detector turns a matched event into an observation of the actor's window, and
// the window's reading into a verdict. Pure: the window store does the counting.
import type { NormalizedEvent } from '../normalize/index.js';
import type { CompiledRule } from '../rules/compile.js';
import type { DetectConfig } from '../rules/schema.js';
import type { FireCondition, Observation, Reading, WindowKey } from '../window/store.js';

/** The figures a rule looked at, fired or not: evidence and `--explain`. */
export interface Verdict {
  readonly fired: boolean;
  readonly figures: Readonly<Record<string, number | string>>;
  /** One human sentence, e.g. "64 sequential ids on /api/users/:id in 10m". */
  readonly reason: string;
}

export interface Detector<K extends DetectConfig['kind']> {
  readonly kind: K;
  /** Whose window the event goes into. Enumeration splits by route; others do not. */
  windowKey(event: NormalizedEvent, base: WindowKey): WindowKey;
  observe(
    event: NormalizedEvent,
    rule: CompiledRule,
    detect: Extract<DetectConfig, { kind: K }>,
    key: WindowKey,
  ): Observation;
  /** When a reading fires, as plain numbers: the store evaluates it atomically with the update. */
  fireCondition(detect: Extract<DetectConfig, { kind: K }>): FireCondition;
  /** The figures and the sentence; built only when the rule fired or a trace is on. */
  describe(
    rule: CompiledRule,
    detect: Extract<DetectConfig, { kind: K }>,
    reading: Reading,
    key: WindowKey,
  ): Omit<Verdict, 'fired'>;
}

/** Counter detectors (volume, rate, error ratio) measure the actor as a whole. */
export function counterObservation(
  event: NormalizedEvent,
  rule: CompiledRule,
  key: WindowKey,
  add: readonly number[],
): Observation {
  return { kind: 'counter', key, ts: event.ts, window: rule.window, add };
}

export function wholeActor(_event: NormalizedEvent, base: WindowKey): WindowKey {
  return base;
}
