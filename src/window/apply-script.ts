// The Redis script of the window store, assembled from its parts (scripts/apply/*.lua,
// each with a header of the keys and arguments it reads and what it defines). Joined in
// the order below into one script: one atomic EVALSHA per shard call, as if it were one
// file. The text depends on the files only, so its SHA is the same on every run and
// every instance (ioredis sends EVALSHA and loads the script on NOSCRIPT).
import { readFileSync } from 'node:fs';

/** The parts in the order they run; a part sees the locals of the parts before it. */
export const APPLY_SCRIPT_PARTS = [
  '01-arguments.lua',
  '02-offences.lua',
  '03-legacy-upgrade.lua',
  '04-actor-state.lua',
  '05-window.lua',
  '06-sequence.lua',
  '07-observe.lua',
  '08-claim.lua',
  '09-steps.lua',
  '10-write-back.lua',
] as const;

/** The folder of the parts: beside this module, in src/ and in dist/ (npm run build copies it). */
export const APPLY_SCRIPT_DIR = new URL('./scripts/apply/', import.meta.url);

export function assembleApplyScript(dir: URL = APPLY_SCRIPT_DIR): string {
  return assemble(APPLY_SCRIPT_PARTS, dir);
}

function assemble(parts: readonly string[], dir: URL): string {
  return parts.map((part) => readFileSync(new URL(part, dir), 'utf8')).join('\n');
}

/** The whole script, read once at load. */
export const APPLY_SCRIPT = assembleApplyScript();

/**
 * The lift script (an operator's lift, LiftRequest): its own arguments, then the apply
 * script's offences and legacy upgrade (one layout, one upgrade), then the lift. Paths
 * relative to the scripts folder.
 */
export const LIFT_SCRIPT_PARTS = [
  'lift/01-arguments.lua',
  'apply/02-offences.lua',
  'apply/03-legacy-upgrade.lua',
  'lift/02-lift.lua',
] as const;

export const SCRIPTS_DIR = new URL('./scripts/', import.meta.url);

export function assembleLiftScript(dir: URL = SCRIPTS_DIR): string {
  return assemble(LIFT_SCRIPT_PARTS, dir);
}

/** The whole lift script, read once at load. */
export const LIFT_SCRIPT = assembleLiftScript();

/**
 * The commit script (redis-store.ts): its own arguments, the apply script's offences and
 * legacy upgrade, the check of each actor's value, the apply script's claim, the claims
 * and the write-back. Paths relative to the scripts folder.
 */
export const COMMIT_SCRIPT_PARTS = [
  'commit/01-arguments.lua',
  'apply/02-offences.lua',
  'apply/03-legacy-upgrade.lua',
  'commit/02-check.lua',
  'apply/08-claim.lua',
  'commit/03-claims.lua',
  'commit/04-write-back.lua',
] as const;

export function assembleCommitScript(dir: URL = SCRIPTS_DIR): string {
  return assemble(COMMIT_SCRIPT_PARTS, dir);
}

/** The whole commit script, read once at load. */
export const COMMIT_SCRIPT = assembleCommitScript();
