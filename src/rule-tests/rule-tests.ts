// Tests that live beside the rules (`*.test.yaml`), in the spirit of `promtool test
// rules`: input events, and the exact lockouts expected from them (none, for a
// "must not fire" case). Runnable from an operator's own repository.
import { z } from 'zod';
import { type AccessEvent, parseEvent } from '../event/index.js';
import type { LockoutCommand } from '../decide/lockout.js';
import { DetectionPipeline } from '../pipeline/index.js';
import { mulberry32 } from '../simulate/index.js';
import { MemoryWindowStore } from '../window/memory-store.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { readDocuments } from '../rules/rule-file.js';
import { SCOPES } from '../vocabulary/scope.js';
import { parseDuration } from '../vocabulary/units.js';

const scanSchema = z
  .object({
    start: z.string(),
    every: z.union([z.string(), z.number()]),
    count: z.number().int().min(1).max(100_000),
    ids: z
      .object({
        from: z.number().int(),
        step: z.number().int().default(1),
        /** Zero-pad each number to this many digits: `{ from: 42, pad: 5 }` gives 00042. */
        pad: z.number().int().min(1).max(20).optional(),
        /** Text before each number: `{ prefix: INV-2026-, pad: 6 }` gives INV-2026-000123. */
        prefix: z.string().max(64).optional(),
      })
      .strict(),
    order: z.enum(['as-generated', 'shuffled']).default('as-generated'),
    seed: z.number().int().default(1),
    /**
     * A canonical event; `{id}` in `path` is replaced by each id, `{n}` in any string
     * field by the request's index (0-based): a walk spread over addresses or sessions.
     */
    event: z.record(z.string(), z.unknown()),
  })
  .strict()
  .superRefine((scan, ctx) => {
    const last = scan.ids.from + (scan.count - 1) * scan.ids.step;
    if (scan.ids.pad !== undefined && Math.min(scan.ids.from, last) < 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['ids', 'pad'],
        message: `padded ids must not go below 0, and these run from ${scan.ids.from} to ${last}`,
      });
    }
  });

const ruleTestSchema = z
  .object({
    name: z.string().min(1),
    // An entry with a `scan` key is a scan, checked whole: a union with plain events
    // would take a scan with a misspelt field for an event and drop the field.
    events: z.array(
      z.record(z.string(), z.unknown()).superRefine((entry, ctx) => {
        if (!('scan' in entry)) return;
        const parsed = z.object({ scan: scanSchema }).strict().safeParse(entry);
        for (const issue of parsed.error?.issues ?? []) {
          ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
        }
      }),
    ),
    expect: z
      .object({
        lockouts: z.array(
          z
            .object({
              rule: z.string(),
              scope: z.enum(SCOPES),
              subject: z.string(),
              eventTime: z.string().optional(),
              /** The lockout must come at or before this event time. */
              before: z.string().optional(),
            })
            .strict(),
        ),
      })
      .strict(),
  })
  .strict();

type RuleTest = z.infer<typeof ruleTestSchema>;
type ExpectedLockout = RuleTest['expect']['lockouts'][number];

export interface RuleTestResult {
  readonly file: string;
  readonly name: string;
  readonly passed: boolean;
  readonly problems: readonly string[];
  /** The lockouts the test expects (none when it could not be read). */
  readonly expected: readonly ExpectedLockout[];
}

/** Events one test may generate: its scans are generated whole, in memory. */
const MAX_TEST_EVENTS = 1_000_000;

export async function runRuleTestFile(
  file: string,
  rules: CompiledRuleSet,
): Promise<RuleTestResult[]> {
  // Read as rule files are (rule-file.ts): a FIFO, an oversized file or an alias bomb
  // is a failed test with its reason, not a hang or a crash.
  const unreadable: string[] = [];
  const documents = await readDocuments(file, unreadable);
  const results: RuleTestResult[] = unreadable.map((problem) => ({
    file,
    name: '(file)',
    passed: false,
    problems: [problem],
    expected: [],
  }));
  for (const [index, { raw }] of documents.entries()) {
    const parsed = ruleTestSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${i.path.join('.') || '(test)'}: ${i.message}`,
      );
      results.push({ file, name: `test #${index + 1}`, passed: false, problems, expected: [] });
      continue;
    }
    results.push(await runRuleTest(file, parsed.data, rules));
  }
  return results;
}

async function runRuleTest(
  file: string,
  test: RuleTest,
  rules: CompiledRuleSet,
): Promise<RuleTestResult> {
  const problems: string[] = [];
  const generated = test.events.reduce((n, entry) => n + eventCount(entry), 0);
  if (generated > MAX_TEST_EVENTS) {
    problems.push(`its events come to ${generated}, over ${MAX_TEST_EVENTS}; split the test`);
    return { file, name: test.name, passed: false, problems, expected: test.expect.lockouts };
  }
  const events = test.events.flatMap((entry, i) => eventsOf(entry, i, problems));
  events.sort((a, b) => a.ts - b.ts);
  const pipeline = new DetectionPipeline(rules, new MemoryWindowStore(), { issuedAt: (ts) => ts });
  const result = await pipeline.process(events);
  await pipeline.confirm(result);
  const { lockouts } = result;
  problems.push(...compareLockouts(test.expect.lockouts, lockouts));
  const expected = test.expect.lockouts;
  return { file, name: test.name, passed: problems.length === 0, problems, expected };
}

/** Events an entry generates: a scan's count, or one. */
function eventCount(entry: RuleTest['events'][number]): number {
  if (!('scan' in entry)) return 1;
  const count = (entry.scan as { count?: unknown }).count;
  return typeof count === 'number' ? count : 1;
}

function eventsOf(
  entry: RuleTest['events'][number],
  index: number,
  problems: string[],
): AccessEvent[] {
  // Checked by the schema already; parsed again for its defaults.
  const raws = 'scan' in entry ? scanEvents(scanSchema.parse(entry.scan)) : [entry];
  const events: AccessEvent[] = [];
  for (const raw of raws) {
    const outcome = parseEvent(JSON.stringify(raw), 'json');
    if (outcome.ok) events.push(outcome.event);
    else problems.push(`events[${index}]: ${outcome.error.message}`);
  }
  return events;
}

function scanEvents(scan: z.infer<typeof scanSchema>): Record<string, unknown>[] {
  const start = Date.parse(scan.start);
  const every = parseDuration(scan.every) ?? 1000;
  const ids = Array.from({ length: scan.count }, (_, i) => scan.ids.from + i * scan.ids.step);
  if (scan.order === 'shuffled') shuffle(ids, scan.seed);
  const path = typeof scan.event.path === 'string' ? scan.event.path : '/';
  return ids.map((id, i) => ({
    ...numbered(scan.event, i),
    ts: new Date(start + i * every).toISOString(),
    path: path.replaceAll('{n}', String(i)).replace('{id}', idText(scan.ids, id)),
  }));
}

function idText(ids: z.infer<typeof scanSchema>['ids'], id: number): string {
  const digits = ids.pad === undefined ? String(id) : String(id).padStart(ids.pad, '0');
  return `${ids.prefix ?? ''}${digits}`;
}

/**
 * The event's string fields with `{n}` replaced by the request's index (0-based): a
 * scan spread over addresses or sessions (`ip: 100.64.{n}.9`, a sweep by proxies).
 */
function numbered(event: Record<string, unknown>, n: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(event)) {
    out[field] = typeof value === 'string' ? value.replaceAll('{n}', String(n)) : value;
  }
  return out;
}

/** Fisher–Yates with the simulator's seeded generator: the same order every run. */
export function shuffle<T>(items: T[], seed: number): void {
  const random = mulberry32(seed);
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function describeLockout(lockout: LockoutCommand): string {
  return `${lockout.rule} ${lockout.scope}:${lockout.subject} at ${lockout.eventTime}`;
}

function compareLockouts(
  expected: readonly ExpectedLockout[],
  actual: readonly LockoutCommand[],
): string[] {
  const problems: string[] = [];
  const unmatched = [...actual];
  for (const want of expected) {
    const i = unmatched.findIndex(
      (got) =>
        got.rule === want.rule &&
        got.scope === want.scope &&
        got.subject === want.subject &&
        (want.eventTime === undefined ||
          Date.parse(got.eventTime) === Date.parse(want.eventTime)) &&
        (want.before === undefined || Date.parse(got.eventTime) <= Date.parse(want.before)),
    );
    if (i >= 0) unmatched.splice(i, 1);
    else {
      const when = want.eventTime
        ? ` at ${want.eventTime}`
        : want.before
          ? ` by ${want.before}`
          : '';
      problems.push(
        `expected a lockout ${want.rule} ${want.scope}:${want.subject}${when}, got none`,
      );
    }
  }
  for (const got of unmatched) problems.push(`unexpected lockout ${describeLockout(got)}`);
  return problems;
}
