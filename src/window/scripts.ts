// The Redis store's two Lua scripts, each joined from its parts (scripts/commit/,
// scripts/lift/) into ONE script: one EVALSHA, atomic, a local of one part seen by the
// parts after it. The parts are read once, at load.
import { readFileSync } from 'node:fs';

/** The folder of the scripts' parts: beside this module, in src/ and in dist/ (npm run build copies it). */
export const SCRIPTS_DIR = new URL('./scripts/', import.meta.url);

/**
 * The commit script (redis-store.ts, shard-call.ts): each actor's value written only if
 * it is still the one read, the fired readings' claims, the outboxes' pending lockouts.
 */
export const COMMIT_SCRIPT_PARTS = [
  'commit/01-arguments.lua',
  'commit/02-offences.lua',
  'commit/03-legacy-upgrade.lua',
  'commit/04-check.lua',
  'commit/05-claim.lua',
  'commit/06-claims.lua',
  'commit/07-write-back.lua',
] as const;

/**
 * The lift script (an operator's lift, LiftRequest): its own arguments, then the commit
 * script's offences and legacy upgrade (one layout, one upgrade), then the lift.
 */
export const LIFT_SCRIPT_PARTS = [
  'lift/01-arguments.lua',
  'commit/02-offences.lua',
  'commit/03-legacy-upgrade.lua',
  'lift/02-lift.lua',
] as const;

export function assembleScript(parts: readonly string[], dir: URL = SCRIPTS_DIR): string {
  return parts.map((part) => readFileSync(new URL(part, dir), 'utf8')).join('\n');
}

/** The whole commit script. */
export const COMMIT_SCRIPT = assembleScript(COMMIT_SCRIPT_PARTS);

/** The whole lift script. */
export const LIFT_SCRIPT = assembleScript(LIFT_SCRIPT_PARTS);
