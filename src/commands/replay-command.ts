// `exfilguard replay`: argv → replay options; lockouts to stdout (JSONL, or a table),
// the summary and progress to stderr.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { LockoutCommand } from '../decide/lockout.js';
import { Explainer, formatSummary, formatTable, progressBar } from '../replay/report.js';
import { replay, type ReplayWorkers } from '../replay/replay.js';
import { MAX_WORKERS } from '../replay/shard.js';
import { canStartShardPeers } from '../replay/shard-team.js';
import { DEFAULT_MAX_WINDOWS } from '../window/eviction.js';
import { SCOPES } from '../vocabulary/scope.js';
import { loadRules } from '../rules/shipped.js';
import { UsageError, type CommandIo } from './io.js';
import { eventFormatOption, reorderOption, RULES_AND_LOG_OPTIONS } from './log-input.js';
import { describeKeySecret, KEY_SECRET_USAGE, keySecretChoice } from './key-secret.js';

export const REPLAY_USAGE = `Usage: exfilguard replay [options] FILE...   (FILE may be "-" for stdin, or end in .gz)

  --rules DIR          operator rules, overrides and allowlists, on top of the shipped rules (repeatable)
  --no-shipped-rules   leave the shipped rules out
  --format FORMAT      auto (default), json (canonical or ECS) or combined (nginx/Apache)
  --table              print the lockouts as a table instead of JSON lines
  --explain SCOPE:SUBJECT
                       trace one actor (e.g. ip:203.0.113.7): per rule, its figures and why it fired or not;
                       route:TEMPLATE (e.g. route:/api/customers/:id) traces a route's sweep window
  --reorder DURATION   how far out of order events may arrive (default 2m)
  --max-windows N      live windows kept at most (default ${DEFAULT_MAX_WINDOWS}: 4 KiB of the heap limit each); above it the least
                       recently seen actors are evicted, counted in the summary
  --workers N          threads to replay on (default 1; this machine has ${availableParallelism()} cores for it): the window
                       state is split between them by actor, the lockouts are those of one thread.
                       Each thread reads and parses the whole input, so more threads cost more CPU
                       and memory; "-" (standard input) replays on one
${KEY_SECRET_USAGE}`;

export async function replayCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...RULES_AND_LOG_OPTIONS,
      table: { type: 'boolean', default: false },
      explain: { type: 'string' },
      'key-secret-file': { type: 'string' },
      'max-windows': { type: 'string', default: String(DEFAULT_MAX_WINDOWS) },
      workers: { type: 'string', default: '1' },
    },
  });
  if (positionals.length === 0)
    throw new UsageError('replay needs at least one FILE (or "-" for stdin)');
  const format = eventFormatOption(values.format);
  const reorderMs = reorderOption(values.reorder);
  const explainer = values.explain ? parseExplain(values.explain) : undefined;
  const maxWindows = Number(values['max-windows']);
  if (!Number.isSafeInteger(maxWindows) || maxWindows < 100)
    throw new UsageError(
      `--max-windows takes a whole number of at least 100, got "${values['max-windows']}"`,
    );

  const workerCount = workersOption(values.workers, positionals);

  const key = await keySecretChoice(values['key-secret-file']);
  const { ruleSet, compiled } = await loadRules({
    dirs: values.rules,
    shipped: !values['no-shipped-rules'],
    distinctHash: key.distinctHash,
  });
  const lockouts: LockoutCommand[] = [];
  const streaming = !values.table && !explainer;
  const workers: ReplayWorkers | undefined =
    workerCount > 1 ? { count: workerCount, ruleSet, distinctHash: key.distinctHash } : undefined;
  const summary = await replay(
    {
      inputs: positionals,
      rules: compiled,
      format,
      reorderMs,
      maxWindows,
      ...(workers && { workers }),
    },
    {
      onLockout: (command) =>
        streaming ? io.stdout(`${JSON.stringify(command)}\n`) : lockouts.push(command),
      ...(io.stderrIsTty && { onProgress: (fraction: number) => io.stderr(progressBar(fraction)) }),
      ...(explainer && { trace: explainer.record }),
    },
  );
  if (io.stderrIsTty) io.stderr(`${progressBar(1)}\n`);
  if (explainer) io.stdout(explainer.format(compiled, lockouts));
  else if (values.table) io.stdout(lockouts.length > 0 ? formatTable(lockouts) : 'no lockouts\n');
  io.stderr(`${formatSummary(summary)}${describeKeySecret(key)}\n`);
  return 0;
}

/**
 * The threads to replay on: as asked, but one for standard input (read once, by one
 * thread) and where threads cannot start (TypeScript run by tsx: development, tests).
 */
function workersOption(text: string, inputs: readonly string[]): number {
  const count = Number(text);
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_WORKERS)
    throw new UsageError(`--workers takes a whole number from 1 to ${MAX_WORKERS}, got "${text}"`);
  return inputs.includes('-') || !canStartShardPeers() ? 1 : count;
}

/** Actors, and `route:TEMPLATE` for the route's own window (distributed-sweep). */
const EXPLAINED: readonly string[] = [...SCOPES, 'route'];

function parseExplain(text: string): Explainer {
  const colon = text.indexOf(':');
  const scope = text.slice(0, colon);
  if (colon <= 0 || !EXPLAINED.includes(scope) || colon === text.length - 1) {
    throw new UsageError(
      `--explain takes SCOPE:SUBJECT with SCOPE one of ${EXPLAINED.join(', ')} (route:/api/users/:id for a route's sweep window), got "${text}"`,
    );
  }
  return new Explainer(scope, text.slice(colon + 1));
}
