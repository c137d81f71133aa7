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

/** `json`: one JSON object per line, for collectors; `pretty`: one readable line, for a terminal. */
export type LogFormat = 'json' | 'pretty';

/**
 * The logger, writing to `output`: stdout as JSON lines (the default), stdout as pretty
 * lines, or a destination of the caller's (tests). Redaction happens before either format.
 */
export function createLogger(
  level: string,
  output: LogFormat | pino.DestinationStream = 'json',
): Logger {
  const destination = output === 'json' ? undefined : output === 'pretty' ? prettyStdout() : output;
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

/** Pretty lines on stdout: pino writes whole JSON lines, each one is reformatted. */
function prettyStdout(): pino.DestinationStream {
  return { write: (line: string) => process.stdout.write(prettyLine(line)) };
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every line has, shown in the line's head or not at all. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'component', 'service', 'pid', 'hostname']);

/**
 * `05:30:01.123 WARN  [batch] message  key=value …` from one of pino's JSON lines; a
 * line that is not JSON is passed through. Objects are shown as compact JSON, an error
 * by its message (and its stack on the lines below, for ERROR and up).
 */
export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const level = LEVEL_NAMES[entry.level as number] ?? String(entry.level);
  const component = typeof entry.component === 'string' ? ` [${entry.component}]` : '';
  let text = `${time} ${level}${component} ${typeof entry.msg === 'string' ? entry.msg : ''}`;
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (HEAD_FIELDS.has(key) || value === undefined) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const err = value as { message?: unknown; stack?: unknown };
      text += `  err=${JSON.stringify(err.message ?? '')}`;
      if ((entry.level as number) >= 50 && typeof err.stack === 'string') {
        stack = `\n    ${err.stack.split('\n').join('\n    ')}`;
      }
      continue;
    }
    text += `  ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
  }
  return `${text}${stack}\n`;
}
