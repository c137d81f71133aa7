// `npm run schemas`: writes the contracts' JSON Schemas, the AsyncAPI document of the
// topics and the OpenAPI document of the admin API to schemas/.
import { writeFile } from 'node:fs/promises';
import { asyncApiYaml } from '../src/asyncapi.js';
import { contractSchemas } from '../src/contracts.js';
import { adminOpenApiJson } from '../src/http/admin-openapi.js';
import { reportJsonSchema } from '../src/report/index.js';

const dir = new URL('../schemas/', import.meta.url);
const files = {
  ...contractSchemas(),
  'asyncapi.yaml': asyncApiYaml(),
  'openapi.json': adminOpenApiJson(),
  'report.schema.json': reportJsonSchema(),
};
for (const [name, text] of Object.entries(files)) {
  await writeFile(new URL(name, dir), text);
  process.stdout.write(`wrote schemas/${name}\n`);
}
