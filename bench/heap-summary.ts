// What a V8 heap snapshot holds, by kind of object: self size and count per node type
// and constructor name (arrays, maps' hash tables, strings, closures …), largest first.
// For the memory store: `node --expose-gc --import tsx bench/store-census.ts --snapshot
// FILE` writes one after a replay, then:
//
//   npx tsx bench/heap-summary.ts FILE.heapsnapshot [--top 30]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[];
      readonly node_types: [string[], ...unknown[]];
    };
  };
  readonly nodes: number[];
  readonly strings: string[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
const file = positionals[0];
if (!file) throw new Error('usage: npx tsx bench/heap-summary.ts FILE.heapsnapshot [--top 30]');
const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
const fields = heap.snapshot.meta.node_fields;
const types = heap.snapshot.meta.node_types[0];
const [TYPE, NAME, SIZE] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
const rows = new Map<string, { bytes: number; count: number }>();
let total = 0;
for (let at = 0; at < heap.nodes.length; at += fields.length) {
  const type = types[heap.nodes[at + TYPE!]!]!;
  // Strings by their type only: their text is the name, one row per distinct text.
  const name = type.includes('string') ? '' : heap.strings[heap.nodes[at + NAME!]!]!;
  const size = heap.nodes[at + SIZE!]!;
  const key = `${type} ${name.slice(0, 60)}`;
  const row = rows.get(key) ?? { bytes: 0, count: 0 };
  row.bytes += size;
  row.count += 1;
  rows.set(key, row);
  total += size;
}
process.stdout.write(
  `${(total / 2 ** 20).toFixed(1)} MB in ${heap.nodes.length / fields.length} objects\n`,
);
for (const [key, row] of [...rows]
  .sort((a, b) => b[1].bytes - a[1].bytes)
  .slice(0, Number(values.top))) {
  process.stdout.write(
    `${(row.bytes / 2 ** 20).toFixed(1).padStart(8)} MB ${String(row.count).padStart(9)} ` +
      `${(row.bytes / row.count).toFixed(0).padStart(6)} B  ${key}\n`,
  );
}
