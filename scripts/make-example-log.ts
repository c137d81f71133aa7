// Writes examples/access-with-scan.log: the first lines of the real 2015 Apache log
// (../shared/data, Apache-2.0, see examples/README.md) with one sequential scan of
// /api/users/N by one address mixed in, in combined format. Deterministic: the same
// bytes on every run. Then replays the file through the shipped rules and fails
// unless it gives exactly one lockout, for the scanner.
//
//   npx tsx scripts/make-example-log.ts [REAL_LOG] [OUT]
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AccessEvent } from '../src/event/access-event.js';
import { parseEvent } from '../src/event/parse.js';
import { replay } from '../src/replay/replay.js';
import { loadRules } from '../src/rules/shipped.js';
import { idScan } from '../src/simulate/index.js';

const DEFAULT_REAL_LOG = fileURLToPath(
  new URL('../../shared/data/elastic-examples-apache-combined-2015.log', import.meta.url),
);
const DEFAULT_OUT = fileURLToPath(new URL('../examples/access-with-scan.log', import.meta.url));
const REAL_LINES = 2400;
const SCANNER = { ip: '203.0.113.7', userAgent: 'python-requests/2.7.0' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[17/May/2015:21:30:00 +0000]`: Apache's %t, in UTC. */
function logTime(ts: number): string {
  const d = new Date(ts);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `[${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`
  );
}

/** One event as an Apache "combined" line. */
export function combinedLine(event: AccessEvent): string {
  return (
    `${event.ip} - ${event.user ?? '-'} ${logTime(event.ts)} ` +
    `"${event.method} ${event.path} HTTP/1.1" ${event.status} ${event.bytes} ` +
    `"-" "${event.userAgent ?? '-'}"`
  );
}

function minuteOf(line: string): number {
  const outcome = parseEvent(line, 'combined');
  if (!outcome.ok) throw new Error(`not a combined line: ${outcome.error.message}`);
  return Math.floor(outcome.event.ts / 60_000);
}

/**
 * The real lines in their own order (seconds shuffled within each minute, as the
 * original), each scan line placed after the real lines of its minute.
 */
function interleave(real: readonly string[], scan: readonly AccessEvent[]): string[] {
  const out: string[] = [];
  let next = 0;
  for (const line of real) {
    const minute = minuteOf(line);
    while (next < scan.length && Math.floor(scan[next]!.ts / 60_000) < minute) {
      out.push(combinedLine(scan[next]!));
      next += 1;
    }
    out.push(line);
  }
  return [...out, ...scan.slice(next).map(combinedLine)];
}

async function verify(file: string, scanner: string): Promise<void> {
  const { compiled } = await loadRules({ dirs: [], shipped: true });
  const lockouts: { rule: string; scope: string; subject: string }[] = [];
  const summary = await replay(
    { inputs: [file], rules: compiled, format: 'auto', reorderMs: 120_000 },
    { onLockout: (lockout) => lockouts.push(lockout) },
  );
  const found = lockouts.map((l) => `${l.rule} ${l.scope}:${l.subject}`);
  console.log(
    `${file}: ${summary.lines} lines, ${summary.invalid} invalid, lockouts: ${found.join(', ')}`,
  );
  if (summary.invalid > 0 || lockouts.length !== 1 || lockouts[0]!.subject !== scanner) {
    throw new Error(`expected exactly one lockout, of ${scanner}; got ${found.length}`);
  }
}

async function main(): Promise<void> {
  const [realLog = DEFAULT_REAL_LOG, out = DEFAULT_OUT] = process.argv.slice(2);
  const real = (await readFile(realLog, 'utf8')).split('\n').slice(0, REAL_LINES);
  const scan = idScan({
    name: 'example scan',
    start: Date.parse('2015-05-17T21:30:00Z'),
    seed: 1042,
    identity: SCANNER,
    count: 80,
    order: 'ascending',
    route: '/api/users',
    firstId: 1041,
    everyMs: 500,
    jitter: 0.2,
  });
  const lines = interleave(real, scan.events);
  await writeFile(out, `${lines.join('\n')}\n`);
  console.log(
    `wrote ${out}: ${lines.length} lines (${real.length} real, ${scan.events.length} scan)`,
  );
  await verify(out, SCANNER.ip);
}

await main();
