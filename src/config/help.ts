// The variables each long-running command reads, for its --help (README's tables are
// generated from the same schema: scripts/lib/settings-tables.ts).
import { enforceEnvironmentSchema } from './enforce.js';
import { settingSections } from './fields.js';
import { PREFIX } from './parse.js';

/** The EXFILGUARD_* variables a command reads, in README's table order. */
export function settingNamesOf(command: 'run' | 'enforce'): string[] {
  const fields =
    command === 'run'
      ? { ...settingSections.run, ...settingSections['admin-api'] }
      : enforceEnvironmentSchema.shape;
  return Object.keys(fields).map((name) => `${PREFIX}${name}`);
}
