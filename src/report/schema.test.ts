import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { reportJsonSchema, reportSchema } from './schema.js';

describe('the report JSON Schema', () => {
  it('schemas/report.schema.json matches the zod schema (run "npm run schemas")', async () => {
    const committed = await readFile(
      new URL('../../schemas/report.schema.json', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(reportJsonSchema());
  });

  it('holds the golden report of the example log', async () => {
    const golden = await readFile(
      new URL('../../examples/report-scanner.json', import.meta.url),
      'utf8',
    );
    expect(reportSchema.safeParse(JSON.parse(golden)).success).toBe(true);
  });
});
