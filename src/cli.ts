#!/usr/bin/env node
// The command line: argv → one command. Each command lives in src/commands/; this
// file only dispatches and turns errors into messages and exit codes.
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { ExfilguardError } from './vocabulary/errors.js';
import { processIo, UsageError, type CommandIo } from './commands/io.js';
import {
  canStartCommandThread,
  isCommandThread,
  runOnCommandThread,
  serveCommandThread,
} from './commands/worker-thread.js';
import { ENFORCE_USAGE, enforceCommand } from './commands/enforce-command.js';
import { LOCKOUTS_USAGE, lockoutsCommand } from './commands/lockouts-command.js';
import { REPLAY_USAGE, replayCommand } from './commands/replay-command.js';
import { REPORT_USAGE, reportCommand } from './commands/report-command.js';
import { RULES_USAGE, rulesCommand } from './commands/rules-command.js';
import { RUN_USAGE, runCommand } from './commands/run-command.js';
import { SIMULATE_USAGE, simulateCommand } from './commands/simulate-command.js';

const USAGE = `exfilguard — detects bulk data exfiltration in access logs and locks the actor out

Usage:
  exfilguard replay [options] FILE...     run the rules over log files; lockouts as JSON lines
  exfilguard rules check|show|test [DIR...]  validate rule folders; show the rules in force
                                           after overrides; run the tests beside the rules
  exfilguard rules suggest FILE...        thresholds from your logs: actors' peak figures,
                                           lockouts per candidate threshold, an override file
  exfilguard run                          the streaming detector: Kafka → Redis windows → lockouts
  exfilguard enforce                      beside a gateway: the lockouts topic → allow / 403 per request
  exfilguard simulate [options]           live benign traffic with an attack every few minutes
  exfilguard lockouts list|show|add|lift  the lockouts in force, through the admin API: see, add, lift
  exfilguard lockouts follow              each lockout as it is published, read from the lockouts topic
  exfilguard report SCOPE:SUBJECT FILE...  what one actor got: ids served per route, companions,
                                           the enforcement gap, a GDPR art. 33 summary
  exfilguard help [COMMAND]

${REPLAY_USAGE}
${RULES_USAGE}
${RUN_USAGE}
${ENFORCE_USAGE}
${SIMULATE_USAGE}
${LOCKOUTS_USAGE}
${REPORT_USAGE}`;

/** Each command's usage, for `exfilguard COMMAND --help` and `exfilguard help COMMAND`. */
const COMMAND_USAGE: Readonly<Record<string, string>> = {
  replay: REPLAY_USAGE,
  rules: RULES_USAGE,
  run: RUN_USAGE,
  enforce: ENFORCE_USAGE,
  simulate: SIMULATE_USAGE,
  lockouts: LOCKOUTS_USAGE,
  report: REPORT_USAGE,
};

/**
 * `--help` or `-h` anywhere among a command's options (before a `--` that ends them):
 * the command's usage, before anything is parsed, read or started — so `run --help`
 * never tries to connect, whatever else the line or the environment holds.
 */
function asksForHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const usage = command === undefined ? undefined : COMMAND_USAGE[command];
    if (usage !== undefined && asksForHelp(rest)) {
      io.stdout(usage);
      return 0;
    }
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return 0;
      case 'help':
        return help(rest, io);
      case 'replay':
        return await replayCommand(rest, io);
      case 'rules':
        return await rulesCommand(rest, io);
      case 'run':
        return await runCommand(rest, io);
      case 'enforce':
        return await enforceCommand(rest, io);
      case 'simulate':
        return await simulateCommand(rest, io);
      case 'lockouts':
        return await lockoutsCommand(rest, io);
      case 'report':
        return await reportCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    return reportError(error, io);
  }
}

/** `exfilguard help [COMMAND]`: one command's usage, or all of them. */
function help(args: readonly string[], io: CommandIo): number {
  const [topic] = args;
  if (topic === undefined) {
    io.stdout(USAGE);
    return 0;
  }
  const usage = COMMAND_USAGE[topic];
  if (usage === undefined) throw new UsageError(`no command "${topic}" to help with`);
  io.stdout(usage);
  return 0;
}

function reportError(error: unknown, io: CommandIo): number {
  if (
    error instanceof UsageError ||
    (error instanceof TypeError &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    io.stderr(`exfilguard: ${error.message}\nRun "exfilguard help" for usage.\n`);
    return 2;
  }
  if (error instanceof ExfilguardError) {
    io.stderr(`exfilguard: [${error.code}] ${error.message}\n`);
    return 1;
  }
  throw error;
}

/**
 * The commands that run a log through the engine, on a thread of their own with a young
 * generation sized for it (commands/worker-thread.ts): replay, and rules suggest.
 */
function isBulk([command, subcommand]: readonly string[]): boolean {
  return command === 'replay' || (command === 'rules' && subcommand === 'suggest');
}

// Run only when executed, not when imported by tests; on a command thread, its command.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (isCommandThread()) {
  await serveCommandThread(main);
} else if (invoked === fileURLToPath(import.meta.url)) {
  // A reader that stops early (`rules show | head`) closes the pipe: nobody reads the rest,
  // so end without a stack trace, with the code a process killed by SIGPIPE has (128 + 13),
  // as Unix tools do; a long-running command whose log pipe broke ends likewise, visibly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(141);
  });
  const argv = process.argv.slice(2);
  const entry = new URL(import.meta.url);
  const onThread = isBulk(argv) && !asksForHelp(argv.slice(1)) && canStartCommandThread(entry);
  process.exitCode = onThread
    ? await runOnCommandThread(entry, argv, processIo).catch((error) =>
        reportError(error, processIo),
      )
    : await main(argv);
}
