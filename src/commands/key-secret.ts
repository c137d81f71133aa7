// The key secret for offline commands (replay, rules test): the live detector's
// EXFILGUARD_KEY_SECRET, so breadth bitmaps place every value where the detector did.
// From a file (--key-secret-file) or the environment, never from a flag's value: a
// command line is visible to every user of the machine through `ps`.
import { DistinctHash } from '../detect/index.js';
import { ExfilguardError } from '../vocabulary/errors.js';
import { FileRefused, readRegularFile } from '../regular-file.js';

export const KEY_SECRET_USAGE = `  --key-secret-file FILE
                       the detector's EXFILGUARD_KEY_SECRET, read from FILE (a final line break is
                       ignored); or set EXFILGUARD_KEY_SECRET. Without either, breadth rules use a
                       built-in key: decisions match the live detector only with its secret
`;

/** The live detector refuses shorter secrets: a shorter one cannot be its secret. */
const MIN_LENGTH = 32;
/** Secrets are short: refuse to read a large file (or wait on a FIFO) by mistake. */
const MAX_BYTES = 4096;

export interface KeySecretChoice {
  readonly distinctHash: DistinctHash;
  /** Where the key came from, for the summary: never the secret itself. */
  readonly source: string;
}

export async function keySecretChoice(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KeySecretChoice> {
  if (file !== undefined) {
    const secret = await readSecretFile(file);
    return { distinctHash: checked(secret, `--key-secret-file ${file}`), source: file };
  }
  const fromEnv = env.EXFILGUARD_KEY_SECRET;
  if (fromEnv) {
    return {
      distinctHash: checked(fromEnv, 'EXFILGUARD_KEY_SECRET'),
      source: 'EXFILGUARD_KEY_SECRET',
    };
  }
  return { distinctHash: DistinctHash.builtIn(), source: 'built-in' };
}

/** One line for a summary: which key placed breadth values, and what that means. */
export function describeKeySecret(choice: KeySecretChoice): string {
  return choice.source === 'built-in'
    ? 'breadth key: built-in (no key secret given): decisions match the live detector only with its secret'
    : `breadth key: the key secret from ${choice.source}`;
}

function checked(secret: string, where: string): DistinctHash {
  if (secret.length < MIN_LENGTH) {
    throw new ExfilguardError(
      'CONFIG_INVALID',
      `${where}: the key secret has ${secret.length} characters; the detector's has at least ${MIN_LENGTH}: give the one EXFILGUARD_KEY_SECRET holds in run`,
    );
  }
  return DistinctHash.fromSecret(secret);
}

async function readSecretFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readRegularFile(path, MAX_BYTES);
  } catch (error) {
    const reason =
      error instanceof FileRefused
        ? error.reason === 'not-regular'
          ? 'not a regular file'
          : `more than ${MAX_BYTES} bytes, more than a secret needs`
        : (error as Error).message;
    throw new ExfilguardError(
      'CONFIG_INVALID',
      `--key-secret-file ${path}: cannot be read (${reason}): give a file holding the key secret`,
      { cause: error },
    );
  }
  return text.replace(/\r?\n$/, '');
}
