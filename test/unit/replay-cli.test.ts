// `exfilguard replay` and `rules`, run in-process with captured output.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { lockoutCommandSchema } from '../../src/decide/lockout.js';
import { runCli as run } from '../support/cli.js';

const REAL_LOG = new URL(
  '../../../shared/data/elastic-examples-apache-combined-2015.log',
  import.meta.url,
).pathname;

function scanLines(
  ip: string,
  count: number,
  startMs = Date.parse('2015-05-18T12:00:00Z'),
): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      ts: startMs + i * 500,
      ip,
      method: 'GET',
      path: `/api/users/${2000 + i}`,
      status: 200,
      bytes: 700,
    }),
  );
}

async function tempFile(name: string, content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-replay-'));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('exfilguard replay', () => {
  it('reads the real log without an invalid line and locks nobody out', async () => {
    const { code, stdout, stderr } = await run(['replay', REAL_LOG]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('10000 lines, 10000 events, 0 invalid');
    expect(stderr).toContain('lockouts: 0');
  });

  it('prints contract-2 lockouts as JSON lines for a scan mixed into real traffic', async () => {
    const real = (await readFile(REAL_LOG, 'utf8')).split('\n').slice(0, 3000).join('\n');
    const input = await tempFile(
      'mixed.log',
      `${real}\n${scanLines('192.0.2.77', 70).join('\n')}\n`,
    );
    const { code, stdout } = await run(['replay', input]);
    expect(code).toBe(0);
    const lockouts = stdout
      .trim()
      .split('\n')
      .map((line) => lockoutCommandSchema.parse(JSON.parse(line)));
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]).toMatchObject({
      type: 'lockout',
      rule: 'sequential-id-scan',
      scope: 'ip',
      subject: '192.0.2.77',
      reason: '50 sequential ids on /api/users/:id in 10m',
      eventTime: '2015-05-18T12:00:25.000Z',
    });
  });

  it('reads .gz files and stdin, and gives the same lockouts', async () => {
    const text = `${scanLines('192.0.2.78', 60).join('\n')}\n`;
    const gz = await tempFile('scan.jsonl.gz', gzipSync(text));
    const fromGz = await run(['replay', gz]);
    const stdin = Readable.from([text]);
    const original = Object.getOwnPropertyDescriptor(process, 'stdin')!;
    Object.defineProperty(process, 'stdin', { value: stdin, configurable: true });
    try {
      const fromStdin = await run(['replay', '-']);
      expect(fromStdin.stdout).toBe(fromGz.stdout);
    } finally {
      Object.defineProperty(process, 'stdin', original);
    }
    expect(fromGz.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('counts invalid lines, shows the first with file and line, and goes on', async () => {
    const lines = [
      scanLines('192.0.2.79', 1)[0],
      '{"ts": "soon", "ip": "1.2.3.4"}',
      'not a log line',
      ...scanLines('192.0.2.79', 60),
    ];
    const input = await tempFile('bad.jsonl', lines.join('\n'));
    const { code, stdout, stderr } = await run(['replay', input]);
    expect(code).toBe(0);
    expect(stderr).toContain('2 invalid');
    expect(stderr).toContain(`${input}:2: ts:`);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('prints a table with --table', async () => {
    const input = await tempFile('scan.jsonl', scanLines('192.0.2.80', 60).join('\n'));
    const { stdout } = await run(['replay', '--table', input]);
    expect(stdout.split('\n')[0]).toMatch(/^EVENT TIME\s+RULE\s+SCOPE:SUBJECT/);
    expect(stdout).toContain('sequential-id-scan  ip:192.0.2.80');
  });

  it('explains one actor: figures per rule and why it fired', async () => {
    const input = await tempFile('scan.jsonl', scanLines('192.0.2.81', 60).join('\n'));
    const { stdout } = await run(['replay', '--explain', 'ip:192.0.2.81', input]);
    expect(stdout).toContain('rule sequential-id-scan (enumeration, window 10m, mode enforce)');
    expect(stdout).toMatch(/FIRES sequentialIds=50 newIds=51 threshold=50/);
    expect(stdout).toContain('=> lockout at 2015-05-18T12:00:25.000Z for 1h');
    expect(stdout).toContain('rule object-breadth');
    expect(stdout).toContain('not keyed by ip');
    expect(stdout).toMatch(
      /rule error-probing[^\n]*\n(.*\n)*? {2}=> did not fire \(60 matching events/,
    );
  });

  it('explains the figures each new detector decided on: a route’s sweep, paging, data volume', async () => {
    const start = Date.parse('2026-03-02T10:00:00Z');
    const line = (ts: number, ip: string, path: string, bytes: number) =>
      JSON.stringify({ ts, ip, method: 'GET', path, status: 200, bytes });
    const lines = [
      ...Array.from({ length: 150 }, (_, i) =>
        line(start + i * 500, `198.18.0.${i + 1}`, `/api/customers/${5000 + i}`, 900),
      ),
      ...Array.from({ length: 60 }, (_, p) =>
        line(start + p * 2000, '203.0.113.50', `/api/orders?page=${p + 1}&limit=100`, 20_000),
      ),
      ...Array.from({ length: 70 }, (_, n) =>
        line(start + n * 3000, '203.0.113.60', `/api/search?q=a${n}`, 400_000),
      ),
    ];
    const input = await tempFile('new.jsonl', lines.join('\n'));
    const explained = async (who: string) =>
      (await run(['replay', '--explain', who, input])).stdout;

    const route = await explained('route:/api/customers/:id');
    expect(route).toMatch(
      /FIRES sweepSequentialIds=100 sweepNewIds=101 atFrontier=1 threshold=100/,
    );
    expect(route).toContain('=> a sweep from 2026-03-02T10:00:50.000Z: 50 participants locked out');
    const participant = await explained('ip:198.18.0.120');
    expect(participant).toMatch(/FIRES participantRequests=1 sweepSequentialIds=119/);
    expect(participant).toContain('took part in a sweep of 119 sequential ids');
    expect(await explained('ip:203.0.113.50')).toMatch(
      /rule list-paging[^\n]*\n(.*\n)*? {2}\S+ FIRES pages=40 records=4000[^\n]*recordsThreshold=4000/,
    );
    expect(await explained('ip:203.0.113.60')).toMatch(
      /rule data-volume[^\n]*\n(.*\n)*? {2}\S+ FIRES requests=60 bytes=24000000[^\n]*requestsThreshold=60 minBytes=262144/,
    );
  });

  it('refuses bad arguments with exit code 2 and a hint', async () => {
    expect((await run(['replay'])).code).toBe(2);
    const bad = await run(['replay', '--format', 'xml', REAL_LOG]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be one of auto, json, combined');
    expect((await run(['replay', '--explain', 'mac:aa', REAL_LOG])).stderr).toContain(
      'SCOPE:SUBJECT',
    );
    const missing = await run(['replay', '/nonexistent/access.log']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      '[INPUT_UNREADABLE] /nonexistent/access.log: cannot read (ENOENT)',
    );
  });
});

describe('exfilguard rules', () => {
  it('checks and tests the shipped rules', async () => {
    const check = await run(['rules', 'check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('ok  sequential-id-scan');
    const test = await run(['rules', 'test']);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/rules test: \d+ passed, 0 failed/);
  });

  it('refuses an operator folder with a bad rule, naming file and line', async () => {
    const file = await tempFile(
      'mine.yaml',
      'kind: override\nrule: sequential-id-scan\ndetect:\n  threshold: many\n',
    );
    const { code, stderr } = await run(['rules', 'check', file]);
    expect(code).toBe(1);
    expect(stderr).toContain(`[RULES_INVALID]`);
    expect(stderr).toContain(`${file}:4: detect.threshold`);
  });
});
