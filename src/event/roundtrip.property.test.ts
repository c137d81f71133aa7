// Valid events, generated: written out as canonical JSON, ECS JSON or a combined line,
// each must parse back to the same AccessEvent. This ties the three formats together.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from './access-event.js';
import { MAX_EVENT_MS } from './calendar.js';
import { parseEvent } from './parse.js';

const path = fc
  .tuple(fc.webPath(), fc.option(fc.webQueryParameters(), { nil: undefined }))
  .map(([p, query]) => `${p.startsWith('/') ? p : `/${p}`}${query ? `?${query}` : ''}`);
const word = fc.stringMatching(/^[A-Za-z0-9._@-]{1,40}$/).filter((text) => text !== '-');

const event = fc
  .record(
    {
      ts: fc.integer({ min: 0, max: MAX_EVENT_MS }),
      ip: fc.oneof(fc.ipV4(), fc.ipV6()),
      method: fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'PROPFIND'),
      path,
      status: fc.integer({ min: 100, max: 599 }),
      bytes: fc.maxSafeNat(),
      user: word,
      userAgent: fc
        .stringMatching(/^[A-Za-z0-9 ./();:_+,-]{1,200}$/)
        .filter((ua) => ua.trim() !== '-'),
    },
    { requiredKeys: ['ts', 'ip', 'method', 'path', 'status', 'bytes'] },
  )
  .map((e): AccessEvent => ({ ...e })); // fc.record makes null-prototype objects

/** `17/May/2015:10:05:03 +0200` for `ms` seen at `offset` minutes east of UTC. */
function logTime(ms: number, offset: number): string {
  const local = new Date(ms + offset * 60_000);
  const [, month = '', day = '', year = '', time = ''] = local.toUTCString().split(' ');
  const abs = Math.abs(offset);
  const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${month}/${day}/${year}:${time} ${zone}`.replace(/^(\w+)\/(\d+)\//, '$2/$1/');
}

function combinedLine(e: AccessEvent, offset: number): string {
  const request = `${e.method} ${e.path} HTTP/1.1`;
  const tail = e.userAgent === undefined ? '' : ` "-" "${e.userAgent}"`;
  return `${e.ip} - ${e.user ?? '-'} [${logTime(e.ts, offset)}] "${request}" ${e.status} ${e.bytes}${tail}`;
}

function ecsJson(e: AccessEvent): string {
  return JSON.stringify({
    '@timestamp': new Date(e.ts).toISOString(),
    source: { ip: e.ip },
    http: {
      request: { method: e.method },
      response: { status_code: e.status, body: { bytes: e.bytes } },
    },
    url: { original: `https://api.example${e.path}` },
    user: e.user === undefined ? undefined : { name: e.user },
    user_agent: e.userAgent === undefined ? undefined : { original: e.userAgent },
  });
}

describe('round trips: one event, three formats, the same AccessEvent', () => {
  it('canonical JSON with ts as epoch ms or as ISO text', () => {
    fc.assert(
      fc.property(event, fc.boolean(), (e, isoTime) => {
        const raw = JSON.stringify({ ...e, ts: isoTime ? new Date(e.ts).toISOString() : e.ts });
        expect(parseEvent(raw, 'auto')).toStrictEqual({ ok: true, event: e });
      }),
      { numRuns: 500 },
    );
  });

  it('ECS JSON', () => {
    fc.assert(
      fc.property(event, (e) => {
        expect(parseEvent(ecsJson(e), 'auto')).toStrictEqual({ ok: true, event: e });
      }),
      { numRuns: 500 },
    );
  });

  it('combined lines (whole seconds) at any UTC offset', () => {
    const offsets = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    fc.assert(
      fc.property(event, offsets, (e, offset) => {
        const seconds = { ...e, ts: e.ts - (e.ts % 1000) };
        expect(parseEvent(combinedLine(seconds, offset), 'auto')).toStrictEqual({
          ok: true,
          event: seconds,
        });
      }),
      { numRuns: 500 },
    );
  });
});
