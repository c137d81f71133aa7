// `npm run schemas`: writes the contracts' JSON Schemas and the AsyncAPI document of the
// topics to schemas/.
import { writeFile } from 'node:fs/promises';
import { asyncApiYaml } from '../src/asyncapi.js';
import { contractSchemas } from '../src/contracts.js';

const dir = new URL('../schemas/', import.meta.url);
const files = { ...contractSchemas(), 'asyncapi.yaml': asyncApiYaml() };
for (const [name, text] of Object.entries(files)) {
  await writeFile(new URL(name, dir), text);
  process.stdout.write(`wrote schemas/${name}\n`);
}
