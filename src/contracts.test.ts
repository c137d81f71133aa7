import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { contractSchemas } from './contracts.js';

describe('contract JSON Schemas', () => {
  it.each(Object.entries(contractSchemas()))(
    'schemas/%s matches the zod schema (run "npm run schemas")',
    async (name, generated) => {
      const committed = await readFile(new URL(`../schemas/${name}`, import.meta.url), 'utf8');
      expect(committed).toBe(generated);
    },
  );
});
