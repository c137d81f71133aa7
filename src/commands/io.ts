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
