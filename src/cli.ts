#!/usr/bin/env node
// The command line: argv → one command. Each command lives in src/commands/; this
// file only dispatches and turns errors into messages and exit codes.
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { ExfilguardError } from './vocabulary/errors.js';
import { processIo, UsageError, type CommandIo } from './commands/io.js';
import { ENFORCE_USAGE, enforceCommand } from './commands/enforce-command.js';
import { LOCKOUTS_USAGE, lockoutsCommand } from './commands/lockouts-command.js';
import { REPLAY_USAGE, replayCommand } from './commands/replay-command.js';
import { RULES_USAGE, rulesCommand } from './commands/rules-command.js';
import { RUN_USAGE, runCommand } from './commands/run-command.js';
import { SIMULATE_USAGE, simulateCommand } from './commands/simulate-command.js';

const USAGE = `exfilguard — detects bulk data exfiltration in access logs and locks the actor out

Usage:
  exfilguard replay [options] FILE...     run the rules over log files; lockouts as JSON lines
  exfilguard rules check|test [DIR...]    validate rule folders; run the tests beside the rules
  exfilguard run                          the streaming detector: Kafka → Redis windows → lockouts
  exfilguard enforce                      beside a gateway: the lockouts topic → allow / 403 per request
  exfilguard simulate [options]           live benign traffic with an attack every few minutes
  exfilguard lockouts list|show|add|lift  the lockouts in force, through the admin API: see, add, lift
  exfilguard lockouts follow              each lockout as it is published, read from the lockouts topic
  exfilguard help [COMMAND]

${REPLAY_USAGE}
${RULES_USAGE}
${RUN_USAGE}
${ENFORCE_USAGE}
${SIMULATE_USAGE}
${LOCKOUTS_USAGE}`;

export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE);
        return 0;
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
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    return reportError(error, io);
  }
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

// Run only when executed, not when imported by tests.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
