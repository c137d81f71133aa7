// Reading the environment: the EXFILGUARD_* variables picked out, unknown names refused,
// the command's schema applied, and every problem named with its variable.
import type { z } from 'zod';
import { ExfilguardError } from '../vocabulary/errors.js';
import { environmentFields } from './fields.js';

export const PREFIX = 'EXFILGUARD_';

/** Throws CONFIG_INVALID naming every problem: unknown variables and invalid values. */
export function parseEnvironment<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  const ours: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined || value === '') continue;
    const key = name.slice(PREFIX.length);
    // Checked against every known name, so a subset schema still catches a typo.
    if (key in environmentFields.shape) ours[key] = value;
    else problems.push(`unknown variable ${name}: check its spelling`);
  }
  const parsed = schema.safeParse(ours);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = PREFIX + issue.path.join('.');
      problems.push(
        issue.message.endsWith('received undefined')
          ? `${name}: required, not set`
          : `${name}: ${issue.message}`,
      );
    }
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ExfilguardError(
      'CONFIG_INVALID',
      `Configuration refused:\n  ${problems.join('\n  ')}`,
    );
  }
  return parsed.data;
}
