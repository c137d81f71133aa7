// The JSON Schemas of the contracts, generated from the zod schemas the code
// validates with, so they are never written twice. `npm run schemas` writes them to
// schemas/; a unit test fails when the committed files drift from the code.
import { z } from 'zod';
import { canonicalEventSchema } from './event/index.js';
import { lockoutRecordSchema } from './decide/lockout.js';
import { allowlistSchema, overrideSchema, ruleSchema } from './rules/schema.js';

/**
 * The JSON Schema of a contract's zod schema. Input side: what a producer may send or an
 * operator may write (before defaults and conversions such as durations → milliseconds).
 */
export function contractJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

function schemaOf(schema: z.ZodType, title: string, description: string): string {
  const json = contractJsonSchema(schema);
  return `${JSON.stringify({ title, description, ...json }, null, 2)}\n`;
}

export function contractSchemas(): Record<string, string> {
  return {
    'access-event.schema.json': schemaOf(
      canonicalEventSchema,
      'exfilguard access event',
      'Contract 1: one access event, canonical form (ECS JSON and combined log lines are accepted too).',
    ),
    'lockout-command.schema.json': schemaOf(
      lockoutRecordSchema,
      'exfilguard lockouts topic record',
      'Contract 2: the value of a message on the lockouts topic, a lockout or a release (key rule/mode/scope:subject; a record with no value ends its key too).',
    ),
    'rule-file.schema.json': schemaOf(
      z.union([ruleSchema, overrideSchema, allowlistSchema]),
      'exfilguard rule file document',
      'Contract 3: one YAML document of a rule file: a rule, an override of a rule, or an allowlist.',
    ),
  };
}
