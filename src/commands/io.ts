// What a command may touch of the process: its output streams. Passed in, so tests
// run commands in-process and read what they printed.

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stderrIsTty: boolean;
}

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
}

export const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  stderrIsTty: Boolean(process.stderr.isTTY),
};

/**
 * The variables a command reads, for its --help: names only, wrapped; README.md has each
 * one's default and meaning (its tables are generated from the same schema).
 */
export function settingsHelp(names: readonly string[], readmeSection: string): string {
  const lines: string[] = [];
  let line = ' ';
  for (const name of names) {
    if (line.length + name.length + 1 > 92) {
      lines.push(line);
      line = ' ';
    }
    line += ` ${name}`;
  }
  lines.push(line);
  return `\nSettings (environment; defaults and meanings in README.md, "${readmeSection}"):\n${lines.join('\n')}\n`;
}
