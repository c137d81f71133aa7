#!/usr/bin/env node
// The command line: argv → one command. Each command lives in its own module;
// this file only dispatches, so `exfilguard --help` stays the map of the product.
import process from 'node:process';

const USAGE = `exfilguard — detects bulk data exfiltration in access logs and locks the actor out

Usage:
  exfilguard run        stream events from Kafka, keep windows in Redis, publish lockouts
  exfilguard --help     this text
`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'run':
      // Honest placeholder until the streaming detector lands (issue 4).
      process.stderr.write('exfilguard run: the streaming detector is not built yet.\n');
      return 2;
    default:
      process.stderr.write(`exfilguard: unknown command "${command}". Run "exfilguard --help".\n`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
