// What the memory window store holds after a replay of the bench log: windows per
// rule and state kind, typed arrays per window, key text length, and the heap they
// take. Runs the built JS of the working tree or a ref, like bench/stages.ts.
//
//   npx tsx bench/store-census.ts [--ref HEAD] [--lines 1000000] [--format jsonl|combined]
//                                 [--snapshot FILE]  (a heap snapshot after the replay:
//                                 bench/heap-summary.ts reads it)
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { importBuilt } from './built.js';
import { ensureLogs } from './make-log.js';
import { builtCli } from './project.js';

interface Event {
  readonly ts: number;
}
/**
 * A window entry: `state` up to c26d7fa; a flat-window.ts array and its spec at 7a6a3cc;
 * since, the flat array itself, its spec on the rule's map of routes.
 */
interface Entry {
  readonly state?: unknown;
  readonly window?: unknown[];
  readonly spec?: Spec;
}
interface Spec {
  readonly kind: 'c' | 's' | 'd';
}
/** A rule's windows of an actor since the arenas (09973e2): slots of its arena. */
interface ArenaWindows {
  readonly slot: number;
  readonly more?: Map<string, number>;
  readonly arena: { readonly spec: Spec; toFlat(slot: number): unknown[] };
}
type Arena = ArenaWindows['arena'];
/**
 * Since the rule's windows object went (issue 16, seventh session): shape, route and slot
 * of each window in the actor's array itself, three entries each; past 32, in `more`.
 */
type CensusActor = {
  windows: Map<string, Map<string, Entry>> | (ArenaWindows | undefined)[] | (string | number)[];
  more?: (Map<string, number> | undefined)[];
};
/**
 * Any layout of the memory store's private state: flat keys (up to 7f47eda), per actor
 * by rule (a Map), or per actor by the rule's (or, since, its shape's) number (an array,
 * with `ordinals` or `shapesByOrdinal`); a
 * scope's actors a Map, or (since the last-found actor) in its `bySubject`.
 */
interface Store {
  readonly windows?: Map<string, Entry>;
  readonly actors?: Map<
    string,
    Map<string, CensusActor> | { readonly bySubject: Map<string, CensusActor> }
  >;
  readonly ordinals?: Map<string, number>;
  /** Since a rule may have windows of two shapes: the rule of each place in `windows`. */
  readonly shapesByOrdinal?: readonly { readonly rule: string; readonly arena?: Arena }[];
}

/** Every window as [rule, scope, key text of the flat layout or '', entry]. */
function* windowsOf(store: Store): Generator<[string, string, string, Entry]> {
  for (const [key, entry] of store.windows ?? []) {
    const [rule = '', scope = ''] = key.split('\u0000');
    yield [rule, scope, key, entry];
  }
  const rules =
    store.shapesByOrdinal?.map((shape) => shape.rule) ??
    [...(store.ordinals ?? [])].sort((a, b) => a[1] - b[1]).map(([rule]) => rule);
  for (const [scope, scoped] of store.actors ?? []) {
    const subjects = scoped instanceof Map ? scoped : scoped.bySubject;
    for (const actor of subjects.values()) {
      if (Array.isArray(actor.windows) && actor.windows.some((w) => typeof w === 'number')) {
        const triples = actor.windows as (string | number)[];
        const listed: [number, number][] = [];
        for (let at = 0; at < triples.length; at += 3)
          listed.push([triples[at] as number, triples[at + 2] as number]);
        for (const [ordinal, routes] of (actor.more ?? []).entries())
          for (const slot of routes?.values() ?? []) listed.push([ordinal, slot]);
        for (const [ordinal, slot] of listed) {
          const arena = store.shapesByOrdinal![ordinal]!.arena!;
          yield [rules[ordinal]!, scope, '', { window: arena.toFlat(slot), spec: arena.spec }];
        }
        continue;
      }
      if (Array.isArray(actor.windows)) {
        for (const [ordinal, windows] of (
          actor.windows as (ArenaWindows | undefined)[]
        ).entries()) {
          if (!windows) continue;
          const { arena } = windows;
          for (const slot of [windows.slot, ...(windows.more?.values() ?? [])]) {
            if (slot >= 0)
              yield [rules[ordinal]!, scope, '', { window: arena.toFlat(slot), spec: arena.spec }];
          }
        }
        continue;
      }
      for (const [rule, routes] of actor.windows) {
        const { spec } = routes as { spec?: Spec };
        for (const entry of routes.values()) {
          yield [rule, scope, '', Array.isArray(entry) ? { window: entry, spec } : entry];
        }
      }
    }
  }
}

const FLAT_KINDS = { c: 'counter', s: 'sequence', d: 'distinct' } as const;

/** The window's kind, typed arrays and numbers held (flat layout: array slots and recent ids). */
function measure({ state, window, spec }: Entry): {
  kind: string;
  typedArrays: number;
  numbers: number;
} {
  if (window && spec) {
    const typedArrays = window.filter((x) => x instanceof Uint8Array).length;
    const recent = spec.kind === 's' ? (window[3] as unknown[]).length : 0;
    return { kind: FLAT_KINDS[spec.kind], typedArrays, numbers: window.length + recent };
  }
  const kind =
    state && typeof state === 'object' && 'bitmaps' in state
      ? 'distinct'
      : state && typeof state === 'object' && 'recent' in state
        ? 'sequence'
        : 'counter';
  const typedArrays =
    kind === 'distinct' ? 2 + (state as { bitmaps: unknown[] }).bitmaps.length : 2;
  return { kind, typedArrays, numbers: 0 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ref: { type: 'string' },
      lines: { type: 'string', default: '1000000' },
      format: { type: 'string', default: 'jsonl' },
      snapshot: { type: 'string' },
    },
  });
  const cli = builtCli(values.ref);
  const logs = ensureLogs(Number(values.lines));
  const log = values.format === 'combined' ? logs.combined : logs.jsonl;
  const format = values.format === 'combined' ? 'combined' : 'json';
  const load = async <T>(path: string) =>
    (await import(pathToFileURL(join(cli.root, 'dist', 'src', path)).href)) as T;
  const { openLineSource } = await load<{
    openLineSource: (p: string[]) => Promise<{ lines: AsyncIterable<{ text: string }> }>;
  }>('source/files.js');
  const { parseEvent } = await load<{
    parseEvent: (t: string, f: string) => { ok: boolean; event?: Event };
  }>('event/parse.js');
  const { ReorderBuffer } = await load<{
    ReorderBuffer: new (ms: number) => {
      /** Appends to `due` (issue 16's eighth session on); returns the events due before it. */
      push(ts: number, e: Event, due: Event[]): Event[] | undefined;
      flush(): Event[];
    };
  }>('replay/reorder.js');
  type Pipelines = {
    DetectionPipeline: new (
      r: unknown,
      s: unknown,
      o: object,
    ) => { process(e: readonly Event[]): Promise<unknown> };
  };
  // src/pipeline.ts became src/pipeline/ (issue 10): whichever the ref has.
  const { DetectionPipeline } = {
    ...(await importBuilt<Pipelines>(cli.root, 'pipeline.js')),
    ...(await importBuilt<Pipelines>(cli.root, 'pipeline/index.js')),
  } as Pipelines;
  const { MemoryWindowStore } = await load<{ MemoryWindowStore: new () => Store }>(
    'window/memory-store.js',
  );
  const { loadRules } = await load<{
    loadRules: (s: object) => Promise<{ compiled: unknown }>;
  }>('rules/shipped.js');

  const heapBefore = process.memoryUsage();
  const store = new MemoryWindowStore();
  const pipeline = new DetectionPipeline(
    (await loadRules({ dirs: [], shipped: true })).compiled,
    store,
    { issuedAt: (ts: number) => ts },
  );
  const reorder = new ReorderBuffer(120_000);
  let batch: Event[] = [];
  for await (const line of (await openLineSource([log])).lines) {
    const outcome = parseEvent(line.text, format);
    if (!outcome.event) continue;
    const due = reorder.push(outcome.event.ts, outcome.event, batch);
    if (due) batch.push(...due);
    if (batch.length >= 1000) {
      await pipeline.process(batch);
      batch = [];
    }
  }
  await pipeline.process([...batch, ...reorder.flush()]);
  batch = [];

  // Measured (and snapshotted) while the store is still used below, so the collector
  // cannot take it.
  (globalThis as { gc?: () => void }).gc?.();
  const heapAfter = process.memoryUsage();
  if (values.snapshot)
    process.stdout.write(`heap snapshot: ${writeHeapSnapshot(values.snapshot)}\n`);
  const census = new Map<
    string,
    { windows: number; typedArrays: number; keyChars: number; numbers: number }
  >();
  let total = 0;
  for (const [rule, scope, key, entry] of windowsOf(store)) {
    total += 1;
    const { kind, typedArrays, numbers } = measure(entry);
    const name = `${rule} ${scope} (${kind})`;
    const row = census.get(name) ?? { windows: 0, typedArrays: 0, keyChars: 0, numbers: 0 };
    row.windows += 1;
    row.typedArrays += typedArrays;
    row.keyChars += key.length;
    row.numbers += numbers;
    census.set(name, row);
  }
  const out = process.stdout;
  out.write(`windows: ${total} (store: ${JSON.stringify(Object.keys(store))})\n`);
  out.write(
    `heap used +${((heapAfter.heapUsed - heapBefore.heapUsed) / 2 ** 20).toFixed(0)} MB, ` +
      `array buffers +${((heapAfter.arrayBuffers - heapBefore.arrayBuffers) / 2 ** 20).toFixed(0)} MB, ` +
      `rss ${(heapAfter.rss / 2 ** 20).toFixed(0)} MB` +
      `${(globalThis as { gc?: unknown }).gc ? ' (after a full GC)' : ' (run with --expose-gc for a GC first)'}\n`,
  );
  out.write(
    `${'windows'.padStart(9)} ${'typed arrays'.padStart(12)} ${'key chars'.padStart(9)} ` +
      `${'numbers/w'.padStart(9)}  rule scope (state)\n`,
  );
  for (const [name, row] of [...census].sort((a, b) => b[1].windows - a[1].windows)) {
    out.write(
      `${String(row.windows).padStart(9)} ${String(row.typedArrays).padStart(12)} ` +
        `${(row.keyChars > 0 ? (row.keyChars / row.windows).toFixed(0) : '-').padStart(9)} ` +
        `${(row.numbers / row.windows).toFixed(1).padStart(9)}  ${name}\n`,
    );
  }
}

await main();
