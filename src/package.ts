// Where the exfilguard package lives and which version it is: found by walking up
// from this file, so it works from src/ (tsx, tests) and from dist/src/ (built) alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'rules'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('exfilguard: cannot find its package root (package.json, rules/)');
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();

export const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
