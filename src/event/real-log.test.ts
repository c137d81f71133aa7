// The real Apache combined log in ../shared/data (see its README): every line must
// parse, and the parsed events must agree with the facts the README states about it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from './access-event.js';
import { parseEvent } from './parse.js';

const LOG = new URL(
  '../../../shared/data/elastic-examples-apache-combined-2015.log',
  import.meta.url,
);
const lines = readFileSync(LOG, 'utf8')
  .split('\n')
  .filter((line) => line !== '');

function parseAll(format: 'auto' | 'combined'): AccessEvent[] {
  const events: AccessEvent[] = [];
  const failures: string[] = [];
  lines.forEach((line, index) => {
    const outcome = parseEvent(line, format);
    if (outcome.ok) events.push(outcome.event);
    else failures.push(`line ${index + 1}: ${outcome.error.message}`);
  });
  expect(failures).toEqual([]);
  return events;
}

describe('elastic-examples-apache-combined-2015.log', () => {
  it('parses 10,000 of 10,000 lines, as combined and by auto-detection', () => {
    expect(lines).toHaveLength(10_000);
    expect(parseAll('combined')).toHaveLength(10_000);
    expect(parseAll('auto')).toHaveLength(10_000);
  });

  it('agrees with the facts in the data README', () => {
    const events = parseAll('auto');
    const times = events.map((event) => event.ts);
    expect(new Set(events.map((event) => event.ip)).size).toBe(1_753);
    expect(new Date(Math.min(...times)).toISOString()).toBe('2015-05-17T10:05:00.000Z');
    expect(new Date(Math.max(...times)).toISOString()).toBe('2015-05-20T21:05:59.000Z');
    expect(events.filter((event) => event.method === 'GET')).toHaveLength(9_952);
    expect(events.filter((event) => event.status === 200)).toHaveLength(9_126);
    expect(events.filter((event) => event.user !== undefined)).toHaveLength(0);
  });

  it('keeps the one truncated user agent as it is', () => {
    const events = parseAll('auto');
    const truncated = events.filter((event) => event.userAgent?.endsWith('google.com/bot.html'));
    expect(truncated.map((event) => event.path)).toEqual(['/scripts/grok-py-test/configlib.py']);
  });

  it('gives the same events from a Buffer as from a string', () => {
    const line = lines[0] ?? '';
    expect(parseEvent(Buffer.from(line), 'auto')).toStrictEqual(parseEvent(line, 'auto'));
  });
});
