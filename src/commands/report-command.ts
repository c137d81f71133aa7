// `exfilguard report`: what one actor got, from retained logs (files, or the input
// topic by time), as JSON, Markdown or a CSV of the ids. The report names people and
// records, so it is written only where the user asks: a file (created 0600) or stdout.
import { open } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import { loadKafkaConfig, type KafkaConfig } from '../config.js';
import { createKafka, kafkaStartupError } from '../clients/kafka.js';
import type { EventFormat } from '../event/index.js';
import { createLogger } from '../log.js';
import {
  DEFAULT_REPORT_LIMITS,
  idsCsv,
  parseSubject,
  ReportBuilder,
  reportMarkdown,
  type FinishedReport,
  type ReportLimits,
  type ReportLockout,
  type ReportSubject,
} from '../report/index.js';
import { ExfilguardError } from '../vocabulary/errors.js';
import { parseDuration } from '../vocabulary/units.js';
import { UsageError, type CommandIo } from './io.js';
import { eventFormatOption } from './log-input.js';
import { findLockout } from './report-lockout.js';
import { readFiles, readTopic } from './report-input.js';

export const REPORT_USAGE = `Usage: exfilguard report SCOPE:SUBJECT [options] FILE...    (FILE may be "-" or end in .gz)
       exfilguard report SCOPE:SUBJECT --kafka [options]     (the input topic, by time)
       exfilguard report --lockout ID [options] (FILE... | --kafka)

  What one actor got: first and last request, the addresses, sessions and users seen with it,
  per route the distinct ids served with success (as ranges), bytes and records, the requests
  still answered after its lockout, and a summary in the terms of a GDPR art. 33 notice.

  --from TIME, --to TIME
                       event times to read (ISO-8601, e.g. 2015-05-17T21:00:00Z; from inclusive, to exclusive)
  --kafka              read the input topic (EXFILGUARD_KAFKA_*, EXFILGUARD_INPUT_TOPIC, as run) instead
                       of files: offsets found by record timestamp, --slack either side of --from and --to
  --slack DURATION     how far a record's Kafka timestamp may be from its event time (default 15m)
  --lockout ID         the lockout's subject and time, from the lockouts topic while its record is there,
                       else from the audit trail (lockouts added by hand); the report says which
  --locked-at TIME     without --lockout: the time the subject was locked out (for the enforcement gap)
  --json PATH, --markdown PATH, --csv PATH
                       write the report as JSON, Markdown, or the ids served as CSV, to PATH ("-": stdout;
                       several at once, one on stdout at most). Default: Markdown on stdout. Files are
                       created readable by their owner only: the report holds personal data
  --format FORMAT      input: auto (default), json (canonical or ECS) or combined (nginx/Apache)
  --max-ids N          distinct ids served at most (default ${DEFAULT_REPORT_LIMITS.maxIds}); --max-routes N
                       (${DEFAULT_REPORT_LIMITS.maxRoutes}), --max-linked N (${DEFAULT_REPORT_LIMITS.maxLinked} of each kind): past a limit the report stops
                       with REPORT_LIMIT (narrow --from/--to, or raise it)
`;

const OUTPUTS = ['json', 'markdown', 'csv'] as const;
type Output = (typeof OUTPUTS)[number];

interface ReportRun {
  readonly subject?: ReportSubject;
  readonly lockoutId?: string;
  readonly lockedAtMs?: number;
  readonly files: readonly string[];
  readonly kafka: boolean;
  readonly slackMs: number;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly format: EventFormat;
  readonly limits: ReportLimits;
  readonly outputs: ReadonlyMap<Output, string>;
}

export async function reportCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const run = parseReportArgs(argv);
  const config = run.kafka || run.lockoutId ? loadKafkaConfig() : undefined;
  const kafka = config && kafkaOf(config, io);
  const lockout = await lockoutOf(run, config, kafka);
  const subject = run.subject ?? subjectOfLockout(lockout!);
  const builder = new ReportBuilder({
    subject,
    format: run.format,
    limits: run.limits,
    ...(run.fromMs !== undefined && { fromMs: run.fromMs }),
    ...(run.toMs !== undefined && { toMs: run.toMs }),
    ...(lockout && { lockout }),
  });
  const input =
    kafka && config && run.kafka
      ? await readTopic(builder, run, kafka, config.topics.input).catch((error: unknown) => {
          throw kafkaStartupError(error, config);
        })
      : await readFiles(builder, run.files);
  const finished = builder.finish();
  const written = await writeOutputs(finished, run.outputs, io);
  const { records, invalid, events } = builder.counts;
  io.stderr(
    `report ${subject.scope}:${subject.subject}: ${records} records read from ${input}, ` +
      `${invalid} invalid (of those not plainly another subject's), ` +
      `${events} events of the subject${written.length ? `; wrote ${written.join(', ')}` : ''}\n`,
  );
  return 0;
}

const REPORT_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  kafka: { type: 'boolean', default: false },
  slack: { type: 'string', default: '15m' },
  lockout: { type: 'string' },
  'locked-at': { type: 'string' },
  json: { type: 'string' },
  markdown: { type: 'string' },
  csv: { type: 'string' },
  format: { type: 'string', default: 'auto' },
  'max-ids': { type: 'string', default: String(DEFAULT_REPORT_LIMITS.maxIds) },
  'max-routes': { type: 'string', default: String(DEFAULT_REPORT_LIMITS.maxRoutes) },
  'max-linked': { type: 'string', default: String(DEFAULT_REPORT_LIMITS.maxLinked) },
} as const;

export function parseReportArgs(argv: readonly string[]): ReportRun {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: REPORT_OPTIONS,
  });
  const lockoutId = values.lockout;
  if (lockoutId === '') throw new UsageError('--lockout takes the id of a lockout');
  const [first, ...rest] = positionals;
  const subject = lockoutId === undefined ? subjectArg(first) : undefined;
  const files = lockoutId === undefined ? rest : positionals;
  if (values.kafka && files.length > 0)
    throw new UsageError('report reads files or --kafka, not both');
  if (!values.kafka && files.length === 0)
    throw new UsageError('report needs at least one FILE (or "-" for stdin), or --kafka');
  if (lockoutId !== undefined && values['locked-at'] !== undefined)
    throw new UsageError(
      '--locked-at is for a subject given by hand: --lockout ID has its own time',
    );
  const format = eventFormatOption(values.format);
  const fromMs = timeArg('--from', values.from);
  const toMs = timeArg('--to', values.to);
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs)
    throw new UsageError('--to must be after --from');
  const slackMs = parseDuration(values.slack);
  if (slackMs === undefined)
    throw new UsageError(`--slack takes a duration like "15m", got "${values.slack}"`);
  const lockedAtMs = timeArg('--locked-at', values['locked-at']);
  return {
    ...(subject && { subject }),
    ...(lockoutId !== undefined && { lockoutId }),
    ...(lockedAtMs !== undefined && { lockedAtMs }),
    files,
    kafka: values.kafka,
    slackMs,
    ...(fromMs !== undefined && { fromMs }),
    ...(toMs !== undefined && { toMs }),
    format,
    limits: {
      maxIds: countArg('--max-ids', values['max-ids']),
      maxRoutes: countArg('--max-routes', values['max-routes']),
      maxLinked: countArg('--max-linked', values['max-linked']),
    },
    outputs: outputsOf(values),
  };
}

function subjectArg(text: string | undefined): ReportSubject {
  if (text === undefined)
    throw new UsageError('report needs SCOPE:SUBJECT (e.g. ip:203.0.113.7) or --lockout ID');
  const parsed = parseSubject(text);
  if (typeof parsed === 'string') throw new UsageError(`report ${parsed}`);
  return parsed;
}

/** ISO-8601 with a date and a time: a bare date or a local time would be read in some time zone. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function timeArg(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(
      `${option} takes an ISO-8601 time with its zone, like 2015-05-17T21:30:00Z, got "${text}"`,
    );
  return ms;
}

function countArg(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${option} takes a whole number of at least 1, got "${text}"`);
  return n;
}

function outputsOf(values: Partial<Record<Output, string>>): Map<Output, string> {
  const outputs = new Map<Output, string>();
  for (const output of OUTPUTS) {
    const path = values[output];
    if (path === undefined) continue;
    if (path === '') throw new UsageError(`--${output} takes a PATH, or "-" for stdout`);
    outputs.set(output, path);
  }
  if ([...outputs.values()].filter((path) => path === '-').length > 1)
    throw new UsageError('only one of --json, --markdown, --csv can go to stdout ("-")');
  if (outputs.size === 0) outputs.set('markdown', '-');
  return outputs;
}

function kafkaOf(config: KafkaConfig, io: CommandIo): Kafka {
  // stderr, at warn: stdout may be the report.
  const logger = createLogger('warn', { write: io.stderr });
  return createKafka(config, logger);
}

async function lockoutOf(
  run: ReportRun,
  config: KafkaConfig | undefined,
  kafka: Kafka | undefined,
): Promise<ReportLockout | undefined> {
  if (run.lockoutId !== undefined && config && kafka) {
    const logger = createLogger('warn', { write: () => {} });
    const topics = { kafka, lockouts: config.topics.lockouts, audit: config.topics.audit, logger };
    return findLockout(run.lockoutId, topics).catch((error: unknown) => {
      throw kafkaStartupError(error, config);
    });
  }
  if (run.lockedAtMs === undefined || !run.subject) return undefined;
  return {
    id: 'command-line',
    source: 'command-line',
    scope: run.subject.scope,
    subject: run.subject.subject,
    lockedAt: new Date(run.lockedAtMs).toISOString(),
  };
}

function subjectOfLockout(lockout: ReportLockout): ReportSubject {
  const parsed = parseSubject(`${lockout.scope}:${lockout.subject}`);
  if (typeof parsed === 'string')
    throw new ExfilguardError('LOCKOUT_NOT_FOUND', `lockout ${lockout.id}: its subject ${parsed}`);
  return parsed;
}

async function writeOutputs(
  { report, ids }: FinishedReport,
  outputs: ReadonlyMap<Output, string>,
  io: CommandIo,
): Promise<string[]> {
  const written: string[] = [];
  for (const [output, path] of outputs) {
    const text =
      output === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : output === 'markdown'
          ? reportMarkdown(report)
          : idsCsv(report, ids());
    if (path === '-') {
      io.stdout(text);
      continue;
    }
    await writeOwnerOnly(path, text).catch((error: NodeJS.ErrnoException) => {
      throw new ExfilguardError(
        'OUTPUT_UNWRITABLE',
        `${path}: cannot write the ${output} report (${error.code ?? error.message})`,
      );
    });
    written.push(path);
  }
  return written;
}

/**
 * Writes `text` to `path`, readable by its owner only: the report holds personal data.
 * A file that already exists keeps its mode under a plain write, so the mode is set on
 * the open file before a byte of the report goes in (a file of another owner refuses).
 */
async function writeOwnerOnly(path: string, text: string): Promise<void> {
  const file = await open(path, 'w', 0o600);
  try {
    await file.chmod(0o600);
    await file.writeFile(text);
  } finally {
    await file.close();
  }
}
