// The built JavaScript of a project copy (dist/src of the working tree or of a ref),
// loaded by path for the stage benchmarks. Typed here by the little the benches use of
// it, so a change elsewhere in src/ does not stop bench/ from compiling.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TimeRules } from './lean-store.js';

export type Format = 'json' | 'combined';

export interface Event {
  readonly ts: number;
}

type Outcome = { readonly ok: true; readonly event: Event } | { readonly ok: false };

export interface Tally {
  readonly observations: number;
}

export interface StoreLike {
  readonly trackedWindows?: number;
  close(): Promise<void>;
}

export interface Modules extends TimeRules {
  openLineSource(paths: readonly string[]): Promise<{ lines: AsyncIterable<{ text: string }> }>;
  parseEvent(raw: string, format: Format): Outcome;
  normalizeEvent(event: Event): Event;
  ReorderBuffer: new (maxDelayMs: number) => {
    /** Appends the events due to `due`; a build before issue 16's eighth session returns them. */
    push(ts: number, item: Event, due: Event[]): Event[] | undefined;
    flush(): Event[];
  };
  DetectionPipeline: new (
    rules: unknown,
    store: unknown,
    options: { issuedAt: (ts: number) => number },
  ) => {
    /** `observations` in the result before the batch tally (issue 10); in the tally since. */
    process(
      events: readonly Event[],
      positions?: undefined,
      tally?: Tally,
    ): Promise<{ observations?: number }>;
    /** Since the apply/confirm store (ecaf5e0); absent before. */
    confirm?(result: unknown): Promise<void>;
  };
  /** Since issue 10; absent before. */
  BatchTally?: new () => Tally;
  MemoryWindowStore: new () => StoreLike;
  loadRules(sources: { dirs: string[]; shipped: boolean }): Promise<{ compiled: unknown }>;
  replay(
    options: { inputs: string[]; rules: unknown; format: Format; reorderMs: number },
    hooks: { onLockout: () => void },
  ): Promise<{ lines: number; events: number; lockoutsByRule: Record<string, number> }>;
}

/** Old and new homes of the same exports: a path a ref does not have is skipped. */
const MODULES = [
  'source/files.js',
  'event/parse.js',
  'normalize/normalize.js',
  'replay/reorder.js',
  'pipeline.js',
  'pipeline/index.js',
  'window/memory-store.js',
  'window/rules-of-time.js',
  'window/arithmetic.js',
  'decide/policy.js',
  'rules/shipped.js',
  'replay/replay.js',
];

export async function loadBuilt(root: string): Promise<Modules> {
  const parts = await Promise.all(MODULES.map((path) => importBuilt<Modules>(root, path)));
  return Object.assign({}, ...parts) as Modules;
}

/** A built module of `root` by its path under dist/src; empty when the ref has no such file. */
export async function importBuilt<T>(root: string, path: string): Promise<Partial<T>> {
  const file = join(root, 'dist', 'src', path);
  if (!existsSync(file)) return {};
  return (await import(pathToFileURL(file).href)) as Partial<T>;
}

/**
 * A window store that keeps nothing and reads zero, under both the observe/claim and
 * the apply/confirm interfaces: the pipeline's own cost, without the store's.
 */
export function nullStore(): StoreLike {
  const zeros: readonly number[] = Object.freeze([0, 0, 0, 0, 0, 0, 0, 0]);
  return {
    observe: async (observations: readonly unknown[]) => observations.map(() => zeros),
    claimLockouts: async () => [],
    apply: async (steps: readonly unknown[]) => ({
      results: steps.map(() => ({ reading: zeros, applied: true })),
      recovered: [],
    }),
    confirm: async () => undefined,
    close: async () => undefined,
  } as StoreLike;
}

/**
 * A floor for any map-based store: finds or makes one small object per window key in
 * nested maps (rule → scope → subject → route), counts, and reads zero. No windows,
 * no sweeping: what the lookups and the per-step results cost on their own.
 */
export function lookupStore(): StoreLike {
  const zeros: readonly number[] = Object.freeze([0, 0, 0, 0, 0, 0, 0, 0]);
  interface Key {
    rule: string;
    scope: string;
    subject: string;
    route?: string;
  }
  interface Entry {
    n: number;
  }
  type Subjects = Map<string, Entry | Map<string, Entry>>;
  const top = new Map<string, Map<string, Subjects>>();
  let windows = 0;
  const find = (key: Key): void => {
    let byScope = top.get(key.rule);
    if (!byScope) top.set(key.rule, (byScope = new Map<string, Subjects>()));
    let subjects = byScope.get(key.scope);
    if (!subjects) byScope.set(key.scope, (subjects = new Map() as Subjects));
    let entry: Entry | undefined;
    if (key.route !== undefined) {
      let routes = subjects.get(key.subject) as Map<string, Entry> | undefined;
      if (!routes) subjects.set(key.subject, (routes = new Map<string, Entry>()));
      entry = routes.get(key.route);
      if (!entry) routes.set(key.route, (entry = { n: 0 }));
    } else {
      entry = subjects.get(key.subject) as Entry | undefined;
      if (!entry) subjects.set(key.subject, (entry = { n: 0 }));
    }
    if (entry.n++ === 0) windows += 1;
  };
  return {
    get trackedWindows() {
      return windows;
    },
    apply: async (steps: readonly { observation: { key: Key } }[]) => ({
      results: steps.map((step) => {
        find(step.observation.key);
        return { reading: zeros, applied: true };
      }),
      recovered: [],
    }),
    confirm: async () => undefined,
    close: async () => undefined,
  } as StoreLike;
}

interface ApplyingStore extends StoreLike {
  apply(
    steps: readonly unknown[],
  ): Promise<{ results: readonly StepOutcome[]; recovered: unknown[] }>;
  confirm(lockouts: readonly unknown[]): Promise<void>;
}
interface StepOutcome {
  readonly reading: readonly number[];
  readonly claim?: { readonly granted: boolean; readonly offence: number; readonly ttlMs: number };
}

/**
 * Two stores fed the same steps; answers with the first one's results and counts the
 * steps where the second's reading or claim differs.
 */
export function teeStore(
  first: ApplyingStore,
  second: ApplyingStore,
): StoreLike & { mismatches: number; compared: number } {
  const tee = {
    mismatches: 0,
    compared: 0,
    get trackedWindows() {
      return first.trackedWindows;
    },
    apply: async (steps: readonly unknown[]) => {
      const a = await first.apply(steps);
      const b = await second.apply(steps);
      a.results.forEach((ra, i) => {
        const rb = b.results[i];
        tee.compared += 1;
        const left = JSON.stringify([ra.reading, ra.claim]);
        const right = JSON.stringify([rb?.reading, rb?.claim]);
        if (left === right) return;
        tee.mismatches += 1;
        if (tee.mismatches <= 5) {
          process.stderr.write(`mismatch: ${JSON.stringify(steps[i])}\n  ${left}\n  ${right}\n`);
        }
      });
      return a;
    },
    confirm: async (lockouts: readonly unknown[]) => {
      await first.confirm(lockouts);
      await second.confirm(lockouts);
    },
    close: async () => {
      await first.close();
      await second.close();
    },
  };
  return tee;
}
