// `npm run docs:settings`: writes README's settings tables from the configuration's
// schema (scripts/lib/settings-tables.ts), between its `<!-- settings:… -->` markers.
import { writeFile } from 'node:fs/promises';
import { README, readReadme, readmeWithSettings } from './lib/settings-tables.js';

const before = await readReadme();
const after = await readmeWithSettings(before);
if (after === before) {
  process.stdout.write('README.md: the settings tables are up to date\n');
} else {
  await writeFile(README, after);
  process.stdout.write('wrote the settings tables of README.md\n');
}
