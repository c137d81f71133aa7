// The process logger: pino, JSON lines on stdout. Secrets never reach a log line:
// known secret fields are redacted wherever they appear, and the configuration is
// logged only through redactedConfig().
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'keySecret',
  '*.keySecret',
  'sasl',
  '*.sasl',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  '*.token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'exfilguard' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
