// A deterministic synthetic access log for the replay benchmark (traffic.ts: the same
// events on every machine and every run), written once to a cache folder and reused.
// Two renderings of the same events: canonical JSONL (contract 1) and nginx/Apache
// combined (which has no session and whole seconds).
//
//   npx tsx bench/make-log.ts [--lines 1000000] [--dir DIR] [--force]
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { events, type LogEvent } from './traffic.js';

/** Bump when the generated content changes, so cached logs are not reused. */
const GENERATOR_VERSION = 2;

export interface BenchLogs {
  readonly lines: number;
  readonly jsonl: string;
  readonly combined: string;
}

export const DEFAULT_DIR = join(tmpdir(), 'exfilguard-bench');

/** Paths of the two logs of `lines` lines; generated first if missing (or `force`). */
export function ensureLogs(lines = 1_000_000, dir = DEFAULT_DIR, force = false): BenchLogs {
  const base = join(dir, `replay-v${GENERATOR_VERSION}-${lines}`);
  const logs = { lines, jsonl: `${base}.jsonl`, combined: `${base}.log` };
  if (!force && existsSync(logs.jsonl) && existsSync(logs.combined)) return logs;
  mkdirSync(dir, { recursive: true });
  writeLogs(lines, logs);
  return logs;
}

/** Canonical field order, whatever order the event was built in. */
export function toJsonLine(event: LogEvent): string {
  const { ts, ip, method, path, status, bytes, session, user, userAgent, records } = event;
  return JSON.stringify({
    ts: new Date(ts).toISOString(),
    ip,
    method,
    path,
    status,
    bytes,
    session,
    user,
    userAgent,
    records,
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `%h %l %u [%t] "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`; session and ms are lost. */
export function toCombinedLine(event: LogEvent): string {
  const d = new Date(event.ts);
  const time =
    `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
  const user = event.user ?? '-';
  const bytes = event.bytes === 0 ? '-' : String(event.bytes);
  return `${event.ip} - ${user} [${time}] "${event.method} ${event.path} HTTP/1.1" ${event.status} ${bytes} "-" "${event.userAgent ?? '-'}"`;
}

function writeLogs(lines: number, logs: BenchLogs): void {
  const jsonTmp = `${logs.jsonl}.tmp`;
  const combinedTmp = `${logs.combined}.tmp`;
  const jsonFd = openSync(jsonTmp, 'w');
  const combinedFd = openSync(combinedTmp, 'w');
  let json: string[] = [];
  let combined: string[] = [];
  const flush = () => {
    writeSync(jsonFd, `${json.join('\n')}\n`);
    writeSync(combinedFd, `${combined.join('\n')}\n`);
    json = [];
    combined = [];
  };
  for (const event of events(lines)) {
    json.push(toJsonLine(event));
    combined.push(toCombinedLine(event));
    if (json.length === 10_000) flush();
  }
  if (json.length > 0) flush();
  closeSync(jsonFd);
  closeSync(combinedFd);
  // Renamed only when complete, so an interrupted run is never mistaken for a log.
  renameSync(jsonTmp, logs.jsonl);
  renameSync(combinedTmp, logs.combined);
}

function isMain(): boolean {
  return process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
}

if (isMain()) {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '1000000' },
      dir: { type: 'string', default: DEFAULT_DIR },
      force: { type: 'boolean', default: false },
    },
  });
  const began = performance.now();
  const logs = ensureLogs(Number(values.lines), values.dir, values.force);
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  process.stdout.write(`${logs.jsonl}\n${logs.combined}\n(${seconds} s)\n`);
}
