// What the benchmarks need to know about the project: where it is, and a built CLI
// to run (official figures are on the built JS, not tsx). Either the working tree,
// built with `npm run build` when dist/ is older than src/, or a git ref (`--ref HEAD`,
// `--ref main`) exported with `git archive` and built by its own build script in a
// cache folder, so a branch can be compared with its base and a half-edited working
// tree does not break a run.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DIR } from './make-log.js';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BuiltCli {
  /** The project copy the CLI runs from (its rules/ are the shipped rules). */
  readonly root: string;
  /** `dist/src/cli.js` inside root. */
  readonly cli: string;
  /** `working tree` or `<ref> (<short sha>)`. */
  readonly label: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function run(command: string, args: readonly string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd} (exit ${result.status})`);
  }
}

/** The working tree's CLI, rebuilt when dist/ is missing or older than a file of src/. */
function workingTreeCli(): BuiltCli {
  const cli = join(PROJECT_ROOT, 'dist', 'src', 'cli.js');
  const built = existsSync(cli) ? statSync(cli).mtimeMs : 0;
  if (built < newestMtime(join(PROJECT_ROOT, 'src'))) {
    process.stderr.write('bench: building the working tree (npm run build)…\n');
    run('npm', ['run', 'build', '--silent'], PROJECT_ROOT);
  }
  return { root: PROJECT_ROOT, cli, label: 'working tree' };
}

/** The CLI of a commit: `git archive` (read-only) into the cache, then its `npm run build`. */
function refCli(ref: string, cacheDir: string): BuiltCli {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  const sha = git('rev-parse', '--verify', `${ref}^{commit}`);
  const root = join(cacheDir, `build-${sha.slice(0, 12)}`);
  const cli = join(root, 'dist', 'src', 'cli.js');
  const label = `${ref} (${sha.slice(0, 12)})`;
  if (existsSync(cli)) return { root, cli, label };
  process.stderr.write(`bench: building ${label} in ${root}…\n`);
  const staging = `${root}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const files = ['src', 'rules', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];
  const archive = spawnSync('git', ['archive', '--format=tar', sha, ...files], {
    cwd: PROJECT_ROOT,
    maxBuffer: 1 << 30,
  });
  if (archive.status !== 0) throw new Error(`git archive ${sha} failed`);
  execFileSync('tar', ['-x', '-C', staging], { input: archive.stdout });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(staging, 'node_modules'));
  // The ref's own build script: it may copy assets beside tsc's output (Lua scripts).
  run('npm', ['run', 'build', '--silent'], staging);
  renameSync(staging, root);
  return { root, cli, label };
}

/** The CLI to measure: the working tree's (default) or that of a git ref. */
export function builtCli(ref?: string, cacheDir = DEFAULT_DIR): BuiltCli {
  return ref === undefined ? workingTreeCli() : refCli(ref, cacheDir);
}
