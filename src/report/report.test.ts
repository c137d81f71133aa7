import { describe, expect, it } from 'vitest';
import { parseEvent } from '../event/index.js';
import { ReportBuilder, type ReportOptions } from './report.js';
import { idsCsv, md } from './render.js';
import { parseSubject, subjectMatcher, type ReportSubject } from './subject.js';
import { DEFAULT_REPORT_LIMITS, ReportLimitReached } from './tally.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');

interface Line {
  readonly s: number;
  readonly ip?: string;
  readonly path: string;
  readonly status?: number;
  readonly bytes?: number;
  readonly session?: string;
  readonly user?: string;
  readonly records?: number;
}

function line(l: Line): string {
  return JSON.stringify({
    ts: new Date(T0 + l.s * 1000).toISOString(),
    ip: l.ip ?? '198.51.100.9',
    method: 'GET',
    path: l.path,
    status: l.status ?? 200,
    bytes: l.bytes ?? 100,
    ...(l.session && { session: l.session }),
    ...(l.user && { user: l.user }),
    ...(l.records !== undefined && { records: l.records }),
  });
}

function subject(text: string): ReportSubject {
  const parsed = parseSubject(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

function build(
  lines: readonly string[],
  options: Partial<Omit<ReportOptions, 'subject'>> & { subject: string },
) {
  const builder = new ReportBuilder({
    format: 'auto',
    limits: DEFAULT_REPORT_LIMITS,
    ...options,
    subject: subject(options.subject),
  });
  for (const text of lines) builder.push(text);
  return { ...builder.finish(), counts: builder.counts };
}

const ACTIVITY = [
  line({ s: 0, path: '/api/users/7', session: 's1', user: 'ann' }),
  line({ s: 1, path: '/api/users/8?x=1', session: 's1', user: 'ann' }),
  line({ s: 2, path: '/api/users/9', status: 404, session: 's1', user: 'ann' }),
  line({ s: 3, path: '/api/users/10', session: 's2', user: 'ann', bytes: 300 }),
  line({ s: 4, path: '/api/export?page=1', session: 's2', user: 'ann', records: 500 }),
  line({ s: 5, ip: '203.0.113.5', path: '/api/users/11', session: 's3', user: 'bob' }),
  line({ s: 6, ip: '::ffff:198.51.100.9', path: '/api/users/12', session: 's2' }),
  'not an event',
];

describe('ReportBuilder', () => {
  it('folds the subject’s events: routes, ids served with success, companions, figures', () => {
    const { report, counts } = build(ACTIVITY, { subject: 'ip:198.51.100.9' });
    expect(counts).toEqual({ records: 8, invalid: 1, events: 6 });
    expect(report.requests).toBe(6);
    expect(report.succeeded).toBe(5);
    expect(report.bytes).toBe(700);
    expect(report.routes).toEqual([
      expect.objectContaining({
        route: '/api/export',
        succeeded: 1,
        recordsReported: 500,
        distinctIds: 0,
      }),
      expect.objectContaining({
        route: '/api/users/:id',
        requests: 5,
        succeeded: 4,
        distinctIds: 4,
        ids: [
          { first: '7', last: '8', count: 2 },
          { first: '10', last: '10', count: 1 },
          { first: '12', last: '12', count: 1 },
        ],
      }),
    ]);
    // The embedded IPv4 form is the same address; what the logs wrote is listed.
    expect(report.linked.addresses.map((a) => [a.value, a.requests])).toEqual([
      ['198.51.100.9', 5],
      ['::ffff:198.51.100.9', 1],
    ]);
    expect(report.linked.sessions.map((a) => [a.value, a.requests])).toEqual([
      ['s1', 3],
      ['s2', 3],
    ]);
    expect(report.linked.users.map((a) => a.value)).toEqual(['ann']);
    expect(report.firstRequest).toEqual({
      time: '2026-03-01T10:00:00.000Z',
      method: 'GET',
      route: '/api/users/:id',
      status: 200,
    });
    expect(report.notice.distinctRecords).toBe(504);
    expect(report.notice.recordsByRoute).toEqual([
      { route: '/api/export', records: 500 },
      { route: '/api/users/:id', records: 4 },
    ]);
    expect(report.notice.spanSeconds).toBe(6);
  });

  it('finds a session or a user wherever it came from', () => {
    expect(
      build(ACTIVITY, { subject: 'session:s2' }).report.linked.addresses.map((a) => a.value),
    ).toEqual(['198.51.100.9', '::ffff:198.51.100.9']);
    const bob = build(ACTIVITY, { subject: 'user:bob' }).report;
    expect(bob.routes[0]!.ids).toEqual([{ first: '11', last: '11', count: 1 }]);
  });

  it('reads an IPv6 prefix as every address inside it, as the lockouts name IPv6 clients', () => {
    const lines = [
      line({ s: 0, ip: '2001:db8:1:2::10', path: '/api/users/1' }),
      line({ s: 1, ip: '2001:DB8:1:2:ffff::1', path: '/api/users/2' }),
      line({ s: 2, ip: '2001:db8:1:3::1', path: '/api/users/3' }),
    ];
    const { report } = build(lines, { subject: 'ip:2001:db8:1:2::/64' });
    expect(report.subject).toBe('2001:db8:1:2::/64');
    expect(report.routes[0]!.ids).toEqual([{ first: '1', last: '2', count: 2 }]);
  });

  it('keeps to the period, from inclusive and to exclusive', () => {
    const { report } = build(ACTIVITY, {
      subject: 'ip:198.51.100.9',
      fromMs: T0 + 1000,
      toMs: T0 + 3000,
    });
    expect(report.requests).toBe(2);
    expect(report.period).toEqual({
      from: '2026-03-01T10:00:01.000Z',
      to: '2026-03-01T10:00:03.000Z',
    });
  });

  it('counts what still succeeded after the lockout, and before its end', () => {
    const { report, ids } = build(ACTIVITY, {
      subject: 'ip:198.51.100.9',
      lockout: {
        id: 'L1',
        source: 'lockouts-topic',
        scope: 'ip',
        subject: '198.51.100.9',
        rule: 'sequential-id-scan',
        lockedAt: new Date(T0 + 2000).toISOString(),
        expiresAt: new Date(T0 + 5000).toISOString(),
      },
    });
    expect(report.enforcementGap).toMatchObject({
      requests: 3,
      succeeded: 2,
      distinctIds: 1,
      bytes: 400,
    });
    const csv = idsCsv(report, ids()).split('\r\n');
    expect(csv).toContain('"ip","198.51.100.9","/api/users/:id","10",true');
    expect(csv).toContain('"ip","198.51.100.9","/api/users/:id","7",false');
    expect(report.notice.text.at(-1)).toContain(
      '2 requests (1 distinct records, 400 bytes) were still answered',
    );
  });

  it('gives the same report whatever the order of the records', () => {
    const forward = build(ACTIVITY, { subject: 'ip:198.51.100.9' }).report;
    const backward = build([...ACTIVITY].reverse(), { subject: 'ip:198.51.100.9' }).report;
    expect(JSON.stringify(backward)).toBe(JSON.stringify(forward));
  });

  it('stops at a limit instead of growing', () => {
    const builder = new ReportBuilder({
      subject: subject('ip:198.51.100.9'),
      format: 'auto',
      limits: { ...DEFAULT_REPORT_LIMITS, maxIds: 3 },
    });
    expect(() => ACTIVITY.forEach((text) => builder.push(text))).toThrow(ReportLimitReached);
  });
});

describe('the shortcut past other subjects’ JSON lines', () => {
  const ecs = JSON.stringify({
    '@timestamp': '2026-03-01T10:00:09Z',
    source: { ip: '198.51.100.9' },
    http: { request: { method: 'GET' }, response: { status_code: 200 } },
    url: { path: '/api/users/77' },
    user: { name: 'ann' },
  });
  const tricky = [
    ...ACTIVITY,
    ecs,
    line({ s: 10, ip: '0:0:0:0:0:ffff:c633:6409', path: '/api/users/78' }),
    line({ s: 11, ip: '[198.51.100.9]', path: '/api/users/79' }),
    JSON.stringify({ ts: T0, ip: 198, method: 'GET', path: '/x', status: 200 }),
    JSON.stringify({
      ts: T0,
      ip: '203.0.113.5',
      method: 'GET',
      path: '/x',
      status: 200,
      session: 7,
    }),
    `  ${line({ s: 12, path: '/api/users/80' })}`,
    line({ s: 13, ip: '203.0.113.5', path: '/api/users/81', session: 's2' }),
  ];

  it.each(['ip:198.51.100.9', 'session:s2', 'user:ann', 'ip:203.0.113.5'])(
    'keeps every event the full parser gives the subject (%s)',
    (text) => {
      const matches = subjectMatcher(subject(text));
      let expected = 0;
      for (const record of tricky) {
        const outcome = parseEvent(record, 'auto');
        if (outcome.ok && matches(outcome.event)) expected += 1;
      }
      expect(expected).toBeGreaterThan(0);
      expect(build(tricky, { subject: text }).counts.events).toBe(expected);
    },
  );
});

describe('rendering attacker text', () => {
  it('escapes Markdown so an id cannot open a cell, a link or HTML, or break a line', () => {
    expect(md('a|b')).toBe('a\\|b');
    expect(md('[x](http://e)<img>')).toBe('\\[x\\](http://e)\\<img\\>');
    expect(md('a\nb')).toBe('a\uFFFDb');
  });

  it('quotes every CSV cell and defuses spreadsheet formulas', () => {
    const { report } = build([], { subject: 'ip:198.51.100.9' });
    const ids = [{ route: '/r/:id', ids: [{ id: '=1+2,"x"', inGap: false }] }];
    const rows = idsCsv(report, ids).split('\r\n');
    expect(rows[0]).toBe('scope,subject,route,id,after_lockout');
    expect(rows[1]).toBe('"ip","198.51.100.9","/r/:id","\'=1+2,""x""",');
  });
});

describe('parseSubject', () => {
  it.each([
    ['ip:::ffff:203.0.113.7', { scope: 'ip', subject: '203.0.113.7' }],
    ['ip:2001:DB8::1', { scope: 'ip', subject: '2001:db8::1' }],
    ['user:a:b', { scope: 'user', subject: 'a:b' }],
  ])('reads %s', (text, expected) => expect(parseSubject(text)).toEqual(expected));

  it.each(['203.0.113.7', 'host:x', 'ip:', 'ip:300.1.1.1', 'ip:2001:db8::/129'])(
    'refuses %s',
    (text) => expect(typeof parseSubject(text)).toBe('string'),
  );
});
