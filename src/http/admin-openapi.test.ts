import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { adminOpenApi, adminOpenApiJson } from './admin-openapi.js';

describe('the admin API’s OpenAPI document', () => {
  it('schemas/openapi.json matches the zod schemas (run "npm run schemas")', async () => {
    const committed = await readFile(
      new URL('../../schemas/openapi.json', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(adminOpenApiJson());
  });

  it('describes every route with its bodies and refusals', () => {
    const doc = adminOpenApi() as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual([
      'GET /v1/audit',
      'GET /v1/lockouts',
      'GET /v1/lockouts/{id}',
      'POST /v1/lockouts',
      'POST /v1/lockouts/{id}/lift',
    ]);
    const add = doc.paths['/v1/lockouts']!.post!;
    expect(JSON.stringify(add.requestBody)).toContain('"ttl"');
    expect(Object.keys(add.responses).sort()).toEqual(['201', '400', '401', '403']);
  });
});
