// The OpenAPI 3.1 document of the admin API, generated from the zod schemas its routes
// validate with (admin-schemas.ts): the document cannot drift from what is enforced.
import { z } from 'zod';
import { lockoutCommandSchema } from '../decide/lockout.js';
import {
  addLockoutSchema,
  auditPageSchema,
  auditQuerySchema,
  errorSchema,
  liftResultSchema,
  liftSchema,
  listQuerySchema,
  lockoutPageSchema,
} from './admin-schemas.js';

const json = (schema: z.ZodType) => ({
  'application/json': { schema: z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) },
});
const input = (schema: z.ZodType) => ({
  'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
});
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [String(s), { description: ERROR_TEXT[s], content: json(errorSchema) }]),
  );
const ERROR_TEXT: Record<number, string> = {
  400: 'The request is not valid',
  401: 'No token, or a token not configured',
  403: "The token's role is too low",
  404: 'Not in force, or no such route',
};

function queryParameters(schema: z.ZodObject) {
  const jsonSchema = z.toJSONSchema(schema, { io: 'input' }) as {
    properties: Record<string, unknown>;
  };
  return Object.entries(jsonSchema.properties).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    schema: s,
  }));
}

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/** The OpenAPI 3.1 document of this API, from the same zod schemas the routes use. */
export function adminOpenApi(): Record<string, unknown> {
  const security = [{ bearer: [] }];
  return {
    openapi: '3.1.0',
    info: {
      title: 'exfilguard admin API',
      version: '1',
      description:
        'Lockouts in force, manual lockouts, lifts and the audit trail. Roles: viewer (read), operator (add, lift), admin (also the audit trail).',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/v1/lockouts': {
        get: {
          summary: 'Lockouts in force, newest first (viewer)',
          security,
          parameters: queryParameters(listQuerySchema),
          responses: {
            200: { description: 'A page', content: json(lockoutPageSchema) },
            ...errors(400, 401, 403),
          },
        },
        post: {
          summary: 'A manual lockout (operator)',
          security,
          requestBody: { required: true, content: input(addLockoutSchema) },
          responses: {
            201: { description: 'Published', content: json(lockoutCommandSchema) },
            ...errors(400, 401, 403),
          },
        },
      },
      '/v1/lockouts/{id}': {
        get: {
          summary: 'One lockout in force (viewer)',
          security,
          parameters: [idParameter],
          responses: {
            200: { description: 'The lockout', content: json(lockoutCommandSchema) },
            ...errors(401, 403, 404),
          },
        },
      },
      '/v1/lockouts/{id}/lift': {
        post: {
          summary: "Lifts every lockout of the lockout's subject, or of one rule (operator)",
          security,
          parameters: [idParameter],
          requestBody: { required: true, content: input(liftSchema) },
          responses: {
            200: { description: 'Releases published', content: json(liftResultSchema) },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      '/v1/audit': {
        get: {
          summary: 'The audit trail, newest first (admin)',
          security,
          parameters: queryParameters(auditQuerySchema),
          responses: {
            200: { description: 'A page', content: json(auditPageSchema) },
            ...errors(400, 401, 403),
          },
        },
      },
    },
  };
}

/** The document as committed in schemas/openapi.json (`npm run schemas`). */
export function adminOpenApiJson(): string {
  return `${JSON.stringify(adminOpenApi(), null, 2)}\n`;
}
