// Fetches the Kafka broker's jars from Maven Central once, with Maven, and caches
// them in a folder named after the POM's content: a version bump in pom.xml gives a
// fresh folder, and Maven's own cache (~/.m2) makes a re-fetch cheap.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KAFKA_POM = fileURLToPath(new URL('./pom.xml', import.meta.url));
const COMPLETE_MARKER = '.complete';

/** Where the jars are cached: $EXFILGUARD_KAFKA_JARS, else ~/.cache/exfilguard/. */
export async function kafkaJarsDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.EXFILGUARD_KAFKA_JARS) return env.EXFILGUARD_KAFKA_JARS;
  const pom = await readFile(KAFKA_POM);
  const digest = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  return join(env.HOME ?? homedir(), '.cache', 'exfilguard', `kafka-jars-${digest}`);
}

/** Whether the jars are fetched already (Maven is needed only the first time). */
export async function kafkaJarsCached(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return existsSync(join(await kafkaJarsDir(env), COMPLETE_MARKER));
}

/** Returns the folder holding every jar the broker needs, fetching them on first use. */
export async function ensureKafkaJars(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = await kafkaJarsDir(env);
  if (existsSync(join(dir, COMPLETE_MARKER))) return dir;
  // Copy into a temporary sibling and rename, so an interrupted fetch never looks complete.
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await runMaven(
    [
      '-q',
      '-B',
      '-f',
      KAFKA_POM,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${partial}`,
    ],
    env,
  );
  await writeFile(join(partial, COMPLETE_MARKER), new Date().toISOString());
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dir;
}

function runMaven(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) =>
      reject(new Error(`Could not run Maven ("mvn"): ${error.message}. Install Maven 3.8+.`)),
    );
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`Maven could not fetch the Kafka jars (exit ${code}):\n${output}`)),
    );
  });
}

// `npm run kafka:jars`: fetch them now (CI does this before the tests start).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = await ensureKafkaJars();
  process.stdout.write(`Kafka jars ready in ${dir}\n`);
}
