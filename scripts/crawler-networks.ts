// `npm run crawlers -- googlebot=googlebot.json [bingbot=bingbot.json …]`: prints the
// rules/crawlers.yaml snapshot for the published lists (scripts/lib/crawler-networks.ts).
import { readFile } from 'node:fs/promises';
import { crawlersDocument } from './lib/crawler-networks.js';

async function main(): Promise<void> {
  const lists = await Promise.all(
    process.argv.slice(2).map(async (argument) => {
      const at = argument.indexOf('=');
      if (at < 1) throw new Error(`"${argument}": give NAME=FILE, e.g. googlebot=googlebot.json`);
      return { name: argument.slice(0, at), text: await readFile(argument.slice(at + 1), 'utf8') };
    }),
  );
  process.stdout.write(crawlersDocument(lists));
}

main().catch((error: unknown) => {
  process.stderr.write(`crawlers: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
