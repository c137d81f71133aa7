// The last filter of every log line: no URL credentials, whatever carried the URL.
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, prettyLine, redactUrlCredentials } from './log.js';

/** Text around a URL: any characters, but never the secret's marker. */
const filler = fc.string({ maxLength: 40 }).filter((text) => !text.includes('Zq'));
/** Userinfo characters a URL may carry raw (RFC 3986 unreserved, sub-delims, %, :, @). */
const userinfoChar = fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=%:@".split(''));
const secret = fc
  .array(userinfoChar, { minLength: 0, maxLength: 20 })
  .map((chars) => `Zq${chars.join('')}`);

function captured(log: (logger: ReturnType<typeof createLogger>) => void): string {
  let output = '';
  const sink = new Writable({
    write: (chunk: Buffer, _enc, done) => ((output += chunk.toString()), done()),
  });
  log(createLogger('info', sink));
  return output;
}

describe('redactUrlCredentials', () => {
  it('masks the userinfo of a URL anywhere in text, and only that', () => {
    expect(redactUrlCredentials('to redis://default:hunter2@10.0.0.1:6379/0 now')).toBe(
      'to redis://[redacted]@10.0.0.1:6379/0 now',
    );
    expect(redactUrlCredentials('rediss://:p@ss@h:1,redis://h2:2')).toBe(
      'rediss://[redacted]@h:1,redis://h2:2',
    );
    expect(redactUrlCredentials('mail ops@example.org, see https://example.org/a@b')).toBe(
      'mail ops@example.org, see https://example.org/a@b',
    );
  });

  it('leaves no password of any URL in a plain or JSON-encoded line (property)', () => {
    fc.assert(
      fc.property(filler, secret, filler, fc.boolean(), (before, password, after, json) => {
        const url = `redis://user:${password}@host:6379/0`;
        const line = json ? JSON.stringify({ msg: `${before} ${url} ${after}` }) : url;
        expect(redactUrlCredentials(line)).not.toContain(password);
      }),
    );
  });

  it('takes linear time on hostile text (many "://", no "@")', () => {
    const hostile = 'a://'.repeat(250_000) + 'b'.repeat(1_000_000);
    const began = performance.now();
    expect(redactUrlCredentials(hostile)).toBe(hostile);
    expect(performance.now() - began).toBeLessThan(500);
  });

  it('is applied to every line the logger writes: messages, fields and errors', () => {
    const url = 'redis://default:hunter2-cluster@10.0.0.1:6379';
    const output = captured((logger) => {
      logger.info(`connecting to ${url}`);
      logger.warn({ nodes: [url], err: new Error(`cannot reach ${url}`) }, 'redis error');
    });
    expect(output).toContain('redis://[redacted]@10.0.0.1:6379');
    expect(output).not.toContain('hunter2');
  });
});

describe('redacted fields', () => {
  it("hides a CrowdSec bouncer's API key wherever request headers are logged", () => {
    const key = 'Zq-bouncer-api-key';
    const output = captured((logger) => {
      logger.info({ req: { headers: { 'x-api-key': key } } }, 'request');
      logger.info({ request: { headers: { 'x-api-key': key } } }, 'request');
      logger.info({ headers: { 'x-api-key': key } }, 'headers');
    });
    expect(output.match(/\[redacted\]/g)).toHaveLength(3);
    expect(output).not.toContain(key);
  });
});

describe('the pretty format (EXFILGUARD_LOG_FORMAT=pretty)', () => {
  it('writes one readable line per entry: time, level, component, message, fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: '2026-12-06T05:30:01.123Z',
      service: 'exfilguard',
      component: 'batch',
      msg: 'lockout of ip:203.0.113.7 by sequential-id-scan (enforce): 50 sequential ids',
      lockout: { rule: 'sequential-id-scan', subject: '203.0.113.7' },
      retryInMs: 200,
    });
    expect(prettyLine(line)).toBe(
      '05:30:01.123 WARN  [batch] lockout of ip:203.0.113.7 by sequential-id-scan (enforce): 50 sequential ids' +
        '  lockout={"rule":"sequential-id-scan","subject":"203.0.113.7"}  retryInMs=200\n',
    );
  });

  it('shows an error by its message, and its stack below for ERROR', () => {
    const entry = {
      level: 50,
      time: '2026-12-06T05:30:01.123Z',
      msg: 'failed',
      err: { message: 'boom', stack: 'Error: boom\n    at here' },
    };
    expect(prettyLine(JSON.stringify(entry))).toBe(
      '05:30:01.123 ERROR failed  err="boom"\n    Error: boom\n        at here\n',
    );
    expect(prettyLine(JSON.stringify({ ...entry, level: 40 }))).toBe(
      '05:30:01.123 WARN  failed  err="boom"\n',
    );
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(prettyLine('not json\n')).toBe('not json\n');
  });

  it('is redacted as the JSON format is: secrets and URL credentials never reach stdout', () => {
    let written = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written += String(chunk);
      return true;
    });
    try {
      const logger = createLogger('info', 'pretty');
      logger.info(
        { keySecret: 'Zq-the-key', url: 'redis://default:Zq-pass@10.0.0.1:6379' },
        'starting',
      );
      logger.flush();
    } finally {
      spy.mockRestore();
    }
    expect(written).toContain('INFO  starting');
    expect(written).toContain('keySecret=[redacted]');
    expect(written).toContain('url=redis://[redacted]@10.0.0.1:6379');
    expect(written).not.toContain('Zq');
  });
});
