// `exfilguard/enforce` is the package's library entry for Node gateways: its exports
// map must point at what the build emits for src/enforce/index.ts, with types.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, { types: string; default: string } | string>;
  files: string[];
};
const build = JSON.parse(readFileSync(new URL('tsconfig.build.json', root), 'utf8')) as {
  compilerOptions: { declaration: boolean };
};

describe('the exfilguard/enforce entry', () => {
  it('maps to the build of src/enforce/index.ts, with its declarations', () => {
    const entry = pkg.exports['./enforce'];
    expect(entry).toEqual({
      types: './dist/src/enforce/index.d.ts',
      default: './dist/src/enforce/index.js',
    });
    expect(existsSync(new URL('src/enforce/index.ts', root))).toBe(true);
    expect(build.compilerOptions.declaration).toBe(true);
    expect(pkg.files).toContain('dist/src');
  });

  it('exports the enforcer, the Fastify hook and the contract reader', async () => {
    const surface = await import('../../src/enforce/index.js');
    for (const name of ['Enforcer', 'enforceOnRequest', 'LockoutTable', 'lockoutRecordSchema'])
      expect(surface).toHaveProperty(name);
  });
});
