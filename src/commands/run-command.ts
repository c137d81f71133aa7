// `exfilguard run`: configuration from the environment, the detector, and a clean
// shutdown on SIGTERM/SIGINT: the batch in flight finishes and is committed, then
// everything disconnects; exit 0 within 10 s (exit 1 if shutdown hangs).
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { startDetector } from '../service/detector-service.js';
import type { CommandIo } from './io.js';
import { aborted, untilStopped } from './shutdown.js';

export const RUN_USAGE = `Usage: exfilguard run      (configured by EXFILGUARD_* environment variables; see README.md)
`;

export async function runCommand(_argv: readonly string[], _io: CommandIo): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const detector = await startDetector(config, logger);
  return untilStopped(async (signal) => {
    await aborted(signal);
    await detector.stop();
  }, logger);
}
