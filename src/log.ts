// The process logger: pino, JSON lines on stdout. Secrets never reach a log line:
// known secret fields are redacted wherever they appear, the configuration is logged
// only through redactedConfig(), and every line pino writes passes one last filter
// that masks the credentials of any URL in it (`redis://user:pass@host` →
// `redis://[redacted]@host`), whichever setting, error or message carried the URL.
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
  // CrowdSec bouncers' API keys (http/crowdsec-api.ts).
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
  '*.headers["x-api-key"]',
  'token',
  '*.token',
];

export const REDACTED = '[redacted]';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'exfilguard' },
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    hooks: { streamWrite: redactUrlCredentials },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Masks the userinfo (`user:password@`) of every `scheme://` URL in `text`. Works on
 * plain text and on a JSON line alike: the authority ends at `/`, `?`, `#`, a quote or
 * white space, and the userinfo is everything up to its last `@` (as the WHATWG URL
 * parser reads `redis://u:p@ss@host`). One forward scan, no regex: linear in `text`
 * whatever an attacker puts in a logged string.
 */
export function redactUrlCredentials(text: string): string {
  let from = text.indexOf('://');
  if (from === -1) return text;
  let out = '';
  let copied = 0;
  while (from !== -1) {
    const start = from + 3;
    const { end, lastAt } = scanAuthority(text, start);
    if (lastAt !== -1) {
      out += text.slice(copied, start) + REDACTED;
      copied = lastAt;
    }
    from = text.indexOf('://', end);
  }
  return out + text.slice(copied);
}

/** Where the authority starting at `start` ends, and its last `@` (-1: none). */
function scanAuthority(text: string, start: number): { end: number; lastAt: number } {
  let lastAt = -1;
  let i = start;
  for (; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    // '/', '?', '#', '"', and white space (space, tab, CR, LF) end it.
    if (c === 0x2f || c === 0x3f || c === 0x23 || c === 0x22 || c <= 0x20) break;
    if (c === 0x40) lastAt = i;
    else if (c === 0x5c) i += 1; // a JSON escape (\" or \\) belongs to the string
  }
  return { end: Math.min(i, text.length), lastAt };
}
