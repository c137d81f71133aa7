// `exfilguard enforce`: the gateway side. Configuration from the environment, the
// enforcer, and a clean shutdown on SIGTERM/SIGINT (exit 0 within 10 s).
import { parseArgs } from 'node:util';
import { loadEnforceConfig, settingNamesOf } from '../config.js';
import { createLogger } from '../log.js';
import { startEnforcer } from '../service/enforcer-service.js';
import { settingsHelp, type CommandIo } from './io.js';
import { aborted, untilStopped } from './shutdown.js';

export const ENFORCE_USAGE = `Usage: exfilguard enforce  (configured by EXFILGUARD_* environment variables; see README.md)
  Reads the lockouts topic into memory and answers GET /v1/check for nginx auth_request,
  Traefik ForwardAuth and Envoy ext_authz: 200 allow, 403 refuse (Retry-After).
${settingsHelp(settingNamesOf('enforce'), 'Enforcing lockouts at the gateway')}`;

export async function enforceCommand(argv: readonly string[], _io: CommandIo): Promise<number> {
  // No options: anything on the command line is a mistake to report, not to ignore.
  parseArgs({ args: [...argv], options: {} });
  const config = loadEnforceConfig();
  const logger = createLogger(config.logLevel, config.logFormat);
  const running = await startEnforcer(config, logger);
  return untilStopped(async (signal) => {
    await aborted(signal);
    await running.stop();
  }, logger);
}
