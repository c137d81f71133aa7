// The CLI as plain JavaScript, as `npm run build` makes it but without type checking
// (one file at a time: the sources are written for it, verbatimModuleSyntax), for tests
// of what only built code does: replay's command thread cannot start from TypeScript
// run by tsx (commands/worker-thread.ts). Written under node_modules/.cache, so the
// package's dependencies and its rules/ folder are found from there as from dist/.
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Transpiles src/ into a fresh folder; the path of its cli.js. */
export async function transpiledCli(): Promise<string> {
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const out = await mkdtemp(join(cache, 'exfilguard-transpiled-'));
  const src = join(ROOT, 'src');
  const entries = await readdir(src, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: file,
    });
    const target = join(out, 'src', relative(src, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await cp(join(src, 'window', 'scripts'), join(out, 'src', 'window', 'scripts'), {
    recursive: true,
  });
  return join(out, 'src', 'cli.js');
}
