// Where `exfilguard report` reads its records: log files (the line source replay uses) or
// the input topic between two times. Each record goes to the builder; a limit reached is
// turned into REPORT_LIMIT naming the file and line, or the partition and offset.
import type { Kafka } from 'kafkajs';
import { ReportLimitReached, type ReportBuilder } from '../report/index.js';
import { openLineSource } from '../source/files.js';
import { rangeByTime, readRange, topicExists } from '../source/topic-range.js';
import { ExfilguardError } from '../vocabulary/errors.js';

export interface TopicPeriod {
  readonly fromMs?: number;
  readonly toMs?: number;
  /** How far a record's Kafka timestamp may be from its event time. */
  readonly slackMs: number;
}

export async function readFiles(builder: ReportBuilder, files: readonly string[]): Promise<string> {
  const source = await openLineSource(files);
  for await (const line of source.lines) {
    if (line.rejection) {
      builder.pushRejected();
      continue;
    }
    try {
      builder.push(line.text);
    } catch (error) {
      throw limitError(error, `${line.file}:${line.line}`);
    }
  }
  return files.length === 1 ? files[0]! : `${files.length} files`;
}

export async function readTopic(
  builder: ReportBuilder,
  run: TopicPeriod,
  kafka: Kafka,
  topic: string,
): Promise<string> {
  const bounds = {
    ...(run.fromMs !== undefined && { fromMs: run.fromMs - run.slackMs }),
    ...(run.toMs !== undefined && { toMs: run.toMs + run.slackMs }),
  };
  if (!(await topicExists(kafka, topic)))
    throw new ExfilguardError(
      'INPUT_UNREADABLE',
      `the topic ${topic} does not exist on the brokers: check EXFILGUARD_INPUT_TOPIC`,
    );
  const ranges = await rangeByTime(kafka, topic, bounds);
  await readRange(kafka, topic, ranges, (value, partition, offset) => {
    if (value === null) return builder.pushRejected();
    try {
      builder.push(value);
    } catch (error) {
      throw limitError(error, `topic ${topic} partition ${partition} offset ${offset}`);
    }
  });
  return `topic ${topic}`;
}

function limitError(error: unknown, where: string): unknown {
  if (!(error instanceof ReportLimitReached)) return error;
  const option = { maxIds: '--max-ids', maxRoutes: '--max-routes', maxLinked: '--max-linked' }[
    error.limit
  ];
  return new ExfilguardError(
    'REPORT_LIMIT',
    `${where}: the subject reached ${option} ${error.value}; the report stops here rather than ` +
      `hold more in memory or leave ids out. Narrow the period with --from/--to, or raise ${option}`,
  );
}
