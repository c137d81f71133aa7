// Running a command in-process with its output captured, as the CLI tests do.
import { main } from '../../src/cli.js';
import type { CommandIo } from '../../src/commands/io.js';

export async function runCli(
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stderrIsTty: false,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
