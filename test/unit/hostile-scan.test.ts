// Issue 9, items 5 and 6 end to end: a scan whose requests are padded, or whose method
// is written in lower case, is parsed and locked out like any other, in every format.
import { describe, expect, it } from 'vitest';
import { parseEvent, type AccessEvent } from '../../src/event/index.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';

const START = Date.UTC(2026, 10, 30, 10, 0, 0);
const PAD = 'u'.repeat(66_000);

/** Line i of a 120-request scan of /api/users/:id by one address, in `format`. */
function scanLine(format: 'canonical' | 'combined', i: number, method: string, ua: string) {
  const ts = START + i * 500;
  const path = `/api/users/${5000 + i}`;
  if (format === 'canonical') {
    return JSON.stringify({ ts, ip: '203.0.113.66', method, path, status: 200, userAgent: ua });
  }
  const time = new Date(ts).toUTCString().split(' '); // Mon, 30 Nov 2026 10:00:00 GMT
  const clf = `${time[1]}/${time[2]}/${time[3]}:${time[4]} +0000`;
  return `203.0.113.66 - - [${clf}] "${method} ${path} HTTP/1.1" 200 812 "-" "${ua}"`;
}

async function lockoutsOf(lines: string[]) {
  const events: AccessEvent[] = [];
  for (const line of lines) {
    const outcome = parseEvent(line, 'auto');
    if (outcome.ok) events.push(outcome.event);
  }
  const { compiled } = await loadRules({ dirs: [], shipped: true });
  const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore());
  const result = await pipeline.process(events);
  return { valid: events.length, lockouts: result.lockouts.map((l) => `${l.rule} ${l.subject}`) };
}

describe('hostile scans', () => {
  it.each(['canonical', 'combined'] as const)(
    'locks out 120 %s scan lines each padded with a 66 KB user agent',
    async (format) => {
      const lines = Array.from({ length: 120 }, (_, i) => scanLine(format, i, 'GET', PAD));
      const { valid, lockouts } = await lockoutsOf(lines);
      expect(valid).toBe(120);
      expect(lockouts).toContain('sequential-id-scan 203.0.113.66');
    },
  );

  it.each(['canonical', 'combined'] as const)(
    'locks out a %s scan sent with method "get"',
    async (format) => {
      const lines = Array.from({ length: 120 }, (_, i) => scanLine(format, i, 'get', 'curl/8'));
      const { valid, lockouts } = await lockoutsOf(lines);
      expect(valid).toBe(120);
      expect(lockouts).toContain('sequential-id-scan 203.0.113.66');
    },
  );
});
