// The last filter of every log line: no URL credentials, whatever carried the URL.
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrlCredentials } from './log.js';

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
