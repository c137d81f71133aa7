// Issue 14 item 2, evasions: a walk over query-string ids or prefixed ids, each
// request dressed so that it is no plain `?id=N` (the parameter's case, percent-
// encoding of name and value, zero padding, "+", repeated parameters with a decoy,
// cache-busters, the id moved between the path and the query, alternating codes and
// years before the number…), all read by many backends as the record itself. Through
// the parse stage, the shipped rules and the in-memory store, each walk must be locked
// out within 100 records (DRESSED_ID_BUDGET); its benign twin, a handful of the same
// requests, must not. And any order of a 150-id prefixed walk is locked within 100.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LockoutCommand } from '../../src/decide/lockout.js';
import type { AccessEvent } from '../../src/event/access-event.js';
import { parseEvent } from '../../src/event/parse.js';
import { DetectionPipeline } from '../../src/pipeline/index.js';
import { loadRules } from '../../src/rules/shipped.js';
import { DRESSED_ID_BUDGET } from '../../src/simulate/index.js';
import { MemoryWindowStore } from '../../src/window/memory-store.js';

const START = Date.parse('2026-01-05T09:00:00Z');
const ADDRESS = '203.0.113.98';
const FIRST_ID = 7000;
const IDS = 150;
const EVERY_MS = 250;
const { compiled } = await loadRules({ dirs: [], shipped: true });

const pad = (id: number, width: number) => String(id).padStart(width, '0');
const encoded = (text: string) =>
  Array.from(text, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');

/** Each evasion: how request `i` of the walk names record `id`. */
const EVASIONS: readonly (readonly [string, (id: number, i: number) => string])[] = [
  [
    'the case of the parameter name',
    (id, i) => `/api/user?${['id', 'ID', 'Id', 'iD'][i % 4]!}=${id}`,
  ],
  ['the name percent-encoded', (id, i) => `/api/user?${i % 2 ? 'i%64' : '%69%64'}=${id}`],
  ['the value percent-encoded', (id) => `/api/user?id=${encoded(String(id))}`],
  ['zero padding of every width', (id, i) => `/api/user?id=${pad(id, 4 + (i % 9))}`],
  [
    '"+", "%2B" and spaces around the value',
    (id, i) => `/api/user?id=${['+', '%2B', '%20', ''][i % 4]!}${id}${i % 3 ? '' : '+'}`,
  ],
  ['the id repeated after a constant decoy (last-wins servers)', (id) => `/api/user?id=1&id=${id}`],
  [
    'the id repeated before a constant decoy (first-wins servers)',
    (id) => `/api/user?id=${id}&id=1`,
  ],
  [
    'the decoy alternating sides',
    (id, i) => (i % 2 ? `/api/user?id=1&id=${id}` : `/api/user?id=${id}&id=1`),
  ],
  [
    'a cache-buster and other parameters around it',
    (id, i) => `/api/user?_=${START + i}&id=${id}&fields=all&v=${i}`,
  ],
  [
    'a constant tenant id beside it',
    (id, i) =>
      i % 2
        ? `/api/invoice?tenantId=77&invoiceId=${id}`
        : `/api/invoice?invoiceId=${id}&tenantId=77`,
  ],
  [
    'the id moved between the path and the query',
    (id, i) => (i % 2 ? `/api/user/${id}` : `/api/user?id=${id}`),
  ],
  [
    'the parameter renamed in turn on one path',
    (id, i) => `/api/user?${['id', 'userId', 'user_id', 'uid'][i % 4]!}=${id}`,
  ],
  ['a fragment and a trailing "&"', (id) => `/api/user?id=${id}&#x`],
  [
    'alternating codes before the number',
    (id, i) => `/v1/docs/${['INV', 'CRN', 'EMP', 'PO'][i % 4]!}-2026-${pad(id, 6)}`,
  ],
  ['alternating years', (id, i) => `/v1/invoices/INV-${2020 + (i % 7)}-${pad(id, 6)}`],
  [
    'the code lowercased in turn',
    (id, i) => `/v1/invoices/${i % 2 ? 'inv' : 'INV'}-2026-${pad(id, 6)}`,
  ],
  [
    '"-" and "_" in turn, padding varied',
    (id, i) => `/hr/employees/EMP${i % 2 ? '-' : '_'}${pad(id, 5 + (i % 3))}`,
  ],
  ['the code glued on in turn', (id, i) => `/hr/employees/${i % 2 ? 'EMP_' : 'EMP'}${pad(id, 6)}`],
  [
    'a prefixed id in the query',
    (id, i) => `/invoice/show?${i % 2 ? 'invoiceId' : 'InvoiceID'}=INV-2026-${pad(id, 6)}`,
  ],
  [
    'a prefixed id with a format suffix',
    (id, i) => `/v1/invoices/INV-2026-${pad(id, 6)}.${['json', 'pdf', 'xml'][i % 3]!}`,
  ],
  [
    'a prefixed id moved into the query',
    (id, i) =>
      i % 2 ? `/v1/invoices/INV-2026-${pad(id, 6)}` : `/v1/invoices?id=INV-2026-${pad(id, 6)}`,
  ],
];

function events(paths: readonly string[], everyMs = EVERY_MS): AccessEvent[] {
  return paths.map((path, i) => {
    const line = JSON.stringify({
      ts: START + i * everyMs,
      ip: ADDRESS,
      method: 'GET',
      path,
      status: 200,
      bytes: 900,
      userAgent: 'curl/8.5.0',
    });
    const outcome = parseEvent(line, 'auto');
    if (!outcome.ok) throw new Error(`${path} did not parse: ${outcome.error.message}`);
    return outcome.event;
  });
}

async function lockoutsOf(stream: readonly AccessEvent[]): Promise<LockoutCommand[]> {
  const pipeline = new DetectionPipeline(compiled, new MemoryWindowStore(), {
    issuedAt: (ts) => ts,
  });
  const result = await pipeline.process(stream);
  await pipeline.confirm(result);
  return result.lockouts.filter((lockout) => lockout.mode === 'enforce');
}

/** Requests made up to the first lockout (inclusive); undefined when none came. */
function recordsBeforeLockout(
  lockouts: readonly LockoutCommand[],
  everyMs = EVERY_MS,
): number | undefined {
  const first = lockouts[0];
  return first === undefined ? undefined : (Date.parse(first.eventTime) - START) / everyMs + 1;
}

const walk = (dress: (id: number, i: number) => string) =>
  Array.from({ length: IDS }, (_, i) => dress(FIRST_ID + i, i));

describe(`a ${IDS}-id walk by one address over query-string and prefixed ids, dressed`, () => {
  it.each(EVASIONS)(
    `by %s, is locked out by sequential-id-scan within ${DRESSED_ID_BUDGET} records`,
    async (_name, dress) => {
      const lockouts = await lockoutsOf(events(walk(dress)));
      expect(lockouts.map((l) => [l.rule, l.scope, l.subject])).toContainEqual([
        'sequential-id-scan',
        'ip',
        ADDRESS,
      ]);
      expect(recordsBeforeLockout(lockouts)).toBeLessThanOrEqual(DRESSED_ID_BUDGET);
    },
  );

  it.each(EVASIONS)(
    'by %s: its benign twin, 20 scattered records, is not',
    async (_name, dress) => {
      // The same dressings, twenty records thousands of ids apart, one every 20 s.
      const paths = Array.from({ length: 20 }, (_, i) =>
        dress(FIRST_ID + ((i * 7919) % 50_000) * 3, i),
      );
      expect(await lockoutsOf(events(paths, 20_000))).toEqual([]);
    },
  );

  it('names the id space in the reason, whatever the dressing', async () => {
    const lockouts = await lockoutsOf(events(walk(EVASIONS[10]![1])));
    expect(lockouts[0]?.evidence).toMatchObject({ route: '/api/user/:id' });
  });

  it('needs the id: the same walk on a parameter that names no record is not an enumeration', async () => {
    // `?sessionid=` and `?gclid=` are not ids: no object, no sequence, no lockout.
    const paths = walk((id, i) => `/api/user?${i % 2 ? 'sessionid' : 'gclid'}=${id}`);
    const lockouts = await lockoutsOf(events(paths));
    expect(lockouts.map((l) => l.rule)).not.toContain('sequential-id-scan');
  });
});

describe('any order of a prefixed-id walk (property)', () => {
  it(`locks a permutation of ${IDS} consecutive prefixed ids, at 1/s to 20/s, within ${DRESSED_ID_BUDGET} records`, async () => {
    const codes = ['INV-2026-', 'EMP_', 'FR-0093-', 'inv-2026-', 'PO-'];
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(
          Array.from({ length: IDS }, (_, i) => FIRST_ID + i),
          { minLength: IDS, maxLength: IDS },
        ),
        fc.constantFrom(...codes),
        fc.integer({ min: 50, max: 1000 }),
        async (ids, code, everyMs) => {
          const paths = ids.map((id) => `/v1/records/${code}${pad(id, 6)}`);
          const lockouts = await lockoutsOf(events(paths, everyMs));
          const records = recordsBeforeLockout(lockouts, everyMs);
          expect(records).toBeDefined();
          expect(records).toBeLessThanOrEqual(DRESSED_ID_BUDGET);
        },
      ),
      { numRuns: 60 },
    );
  });
});
