// `exfilguard run`: configuration from the environment, the detector, and a clean
// shutdown on SIGTERM/SIGINT: the batch in flight finishes and is committed, then
// everything disconnects; exit 0 within 10 s (exit 1 if shutdown hangs).
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startDetector } from '../run/detector.js';
import type { CommandIo } from './io.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

export const RUN_USAGE = `Usage: exfilguard run      (configured by EXFILGUARD_* environment variables; see README.md)
`;

export async function runCommand(_argv: readonly string[], _io: CommandIo): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const detector = await startDetector(config, logger);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const deadline = setTimeout(() => {
        logger.error('shutdown took longer than 10 s; exiting anyway');
        resolve(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      detector.stop().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}
