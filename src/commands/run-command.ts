// `exfilguard run`: configuration from the environment, the detector, and a clean
// shutdown on SIGTERM/SIGINT: the batch in flight finishes and is committed, then
// everything disconnects; exit 0 within 10 s (exit 1 if shutdown hangs).
import { parseArgs } from 'node:util';
import { loadConfig, settingNamesOf } from '../config.js';
import { createLogger } from '../log.js';
import { startDetector } from '../service/detector-service.js';
import { settingsHelp, type CommandIo } from './io.js';
import { aborted, untilStopped } from './shutdown.js';

export const RUN_USAGE = `Usage: exfilguard run [--rotate-key-secret]
       (configured by EXFILGUARD_* environment variables; see README.md)

  --rotate-key-secret  start although Redis holds state made under another
                       EXFILGUARD_KEY_SECRET, abandoning that state (it expires by
                       itself); for one start of one instance, then drop the flag
${settingsHelp(settingNamesOf('run'), 'Running `exfilguard run`')}`;

export async function runCommand(argv: readonly string[], _io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { 'rotate-key-secret': { type: 'boolean', default: false } },
  });
  const config = loadConfig();
  const logger = createLogger(config.logLevel, config.logFormat);
  const detector = await startDetector(config, logger, {
    rotateKeySecret: values['rotate-key-secret'],
  });
  return untilStopped(async (signal) => {
    await aborted(signal);
    await detector.stop();
  }, logger);
}
