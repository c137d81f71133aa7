// `npm run schemas`: writes the contracts' JSON Schemas to schemas/.
import { writeFile } from 'node:fs/promises';
import { contractSchemas } from '../src/contracts.js';

const dir = new URL('../schemas/', import.meta.url);
for (const [name, text] of Object.entries(contractSchemas())) {
  await writeFile(new URL(name, dir), text);
  process.stdout.write(`wrote schemas/${name}\n`);
}
