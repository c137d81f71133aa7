// The layering check of `npm run lint` (.dependency-cruiser.cjs) run on a small tree
// made for it: each kind of import it must refuse is refused, by the rule that names
// it, and a tree that follows the order passes. Without this, a rule whose path
// pattern stopped matching (after a folder was renamed, say) would pass everything.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation {
  readonly rule: { readonly name: string };
  readonly from: string;
  readonly to: string;
}

let tree: string | undefined;
afterEach(() => {
  if (tree) rmSync(tree, { recursive: true, force: true });
  tree = undefined;
});

/** Writes the files (path → source) under a fresh src/ and returns the check's violations. */
function check(files: Record<string, string>): Violation[] {
  tree = mkdtempSync(join(tmpdir(), 'exfilguard-layering-'));
  writeFileSync(
    join(tree, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }),
  );
  writeFileSync(join(tree, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), source);
  }
  let json: string;
  try {
    json = execFileSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'json'], {
      cwd: tree,
      encoding: 'utf8',
    });
  } catch (error) {
    // depcruise exits non-zero when it finds errors; the report is still on stdout.
    json = (error as { stdout: string }).stdout;
  }
  const report = JSON.parse(json) as { summary: { violations: Violation[] } };
  return report.summary.violations;
}

const names = (violations: Violation[]) => violations.map((v) => `${v.rule.name} ${v.from}`);

describe('the layering check', () => {
  it('passes a tree whose imports point down the declared order', () => {
    const violations = check({
      'src/vocabulary/scope.ts': 'export const SCOPES = ["ip"];\n',
      'src/event/index.ts': 'export { parse } from "./parse.js";\n',
      'src/event/parse.ts':
        'import { SCOPES } from "../vocabulary/scope.js";\nexport const parse = SCOPES;\n',
      'src/window/store.ts':
        'import { parse } from "../event/index.js";\nexport const store = parse;\n',
      'src/rules/load.ts':
        'import { store } from "../window/store.js";\nexport const load = store;\n',
    });
    expect(names(violations)).toEqual([]);
  });

  it('refuses an import of a higher layer (window → rules), naming the lower layer', () => {
    const violations = check({
      'src/rules/schema.ts': 'export type Scope = "ip";\n',
      'src/window/store.ts':
        'import type { Scope } from "../rules/schema.js";\nexport type Key = Scope;\n',
    });
    expect(names(violations)).toEqual(['layer-window src/window/store.ts']);
  });

  it('refuses a cycle, also inside one layer', () => {
    const violations = check({
      'src/window/a.ts': 'import { b } from "./b.js";\nexport const a = () => b;\n',
      'src/window/b.ts': 'import { a } from "./a.js";\nexport const b = () => a;\n',
    });
    // Reported once per cycle, from whichever of its files the check met first.
    expect(names(violations)).toHaveLength(1);
    expect(names(violations)[0]).toMatch(/^no-cycle src\/window\/[ab]\.ts$/);
  });

  it('refuses a way around a stage’s index.ts', () => {
    const violations = check({
      'src/event/index.ts': 'export { parse } from "./parse.js";\n',
      'src/event/parse.ts': 'export const parse = 1;\n',
      'src/window/store.ts':
        'import { parse } from "../event/parse.js";\nexport const store = parse;\n',
    });
    expect(names(violations)).toEqual(['surface-event src/window/store.ts']);
  });

  it('refuses a way around src/config.ts into config/', () => {
    const violations = check({
      'src/config/run.ts': 'export const loadConfig = () => 1;\n',
      'src/config.ts': 'export { loadConfig } from "./config/run.js";\n',
      'src/service/ok.ts':
        'import { loadConfig } from "../config.js";\nexport const a = loadConfig;\n',
      'src/service/around.ts':
        'import { loadConfig } from "../config/run.js";\nexport const b = loadConfig;\n',
    });
    expect(names(violations)).toEqual(['surface-config src/service/around.ts']);
  });

  it('refuses a file outside every layer, and test code in src/', () => {
    const violations = check({
      'src/vocabulary/scope.ts': 'export const SCOPES = ["ip"];\n',
      'src/misc/helper.ts':
        'import { SCOPES } from "../vocabulary/scope.js";\nexport const h = SCOPES;\n',
      'src/window/store.ts': 'import { h } from "../misc/helper.js";\nexport const s = h;\n',
      'src/window/contract.ts':
        'import { s } from "../../test/contract.js";\nexport const c = s;\n',
      'test/contract.ts': 'export const s = 1;\n',
    });
    expect(names(violations).sort()).toEqual([
      'layer-unassigned src/misc/helper.ts',
      'layer-unassigned-target src/window/store.ts',
      'no-test-code-shipped src/window/contract.ts',
    ]);
  });

  it('lets a test file in src/ reach anywhere (tests are not shipped)', () => {
    const violations = check({
      'src/rules/schema.ts': 'export const rule = 1;\n',
      'src/window/store.test.ts':
        'import { rule } from "../rules/schema.js";\nexport const t = rule;\n',
    });
    expect(names(violations)).toEqual([]);
  });
});
