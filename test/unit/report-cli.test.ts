// `exfilguard report` on examples/access-with-scan.log: the scanner's report, JSON and
// Markdown, equals the committed golden files (examples/report-scanner.*), lists
// exactly the ids the scan fetched (read here from the log's own lines), and its CSV
// one row per id; a subject past a limit stops with REPORT_LIMIT and says where.
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOG = join(ROOT, 'examples/access-with-scan.log');
const SCANNER = '203.0.113.7';
/** The scanner's lockout by the shipped rules (examples/README.md). */
const LOCKED_AT = '2015-05-17T21:30:24Z';
const ARGS = ['report', `ip:${SCANNER}`, '--locked-at', LOCKED_AT, LOG];

/** The ids the scan fetched with success, from the log's lines themselves. */
async function scannedIds(): Promise<string[]> {
  const lines = (await readFile(LOG, 'utf8')).split('\n');
  return lines
    .filter((line) => line.startsWith(`${SCANNER} `) && / 200 \d+ /.test(line))
    .map((line) => /GET \/api\/users\/(\d+) /.exec(line)![1]!);
}

const dir = await mkdtemp(join(tmpdir(), 'exfilguard-report-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('exfilguard report on the example log', () => {
  it('gives the golden JSON report, with exactly the scan’s ids', async () => {
    const { code, stdout } = await runCli([...ARGS, '--json', '-']);
    expect(code).toBe(0);
    expect(stdout).toBe(await readFile(join(ROOT, 'examples/report-scanner.json'), 'utf8'));
    const report = JSON.parse(stdout) as {
      routes: { route: string; ids: { first: string; last: string; count: number }[] }[];
    };
    const ids = await scannedIds();
    expect(ids).toHaveLength(80);
    const expanded = report.routes.flatMap((route) =>
      route.ids.flatMap(({ first, last }) =>
        Array.from({ length: Number(last) - Number(first) + 1 }, (_, i) =>
          String(Number(first) + i),
        ),
      ),
    );
    expect(expanded).toEqual(ids);
  });

  it('gives the golden Markdown report (the default on stdout)', async () => {
    const { code, stdout, stderr } = await runCli(ARGS);
    expect(code).toBe(0);
    expect(stdout).toBe(await readFile(join(ROOT, 'examples/report-scanner.md'), 'utf8'));
    expect(stderr).toContain('2480 records read');
    expect(stderr).toContain('80 events of the subject');
  });

  it('writes the CSV of the ids only where asked, readable by its owner only', async () => {
    const csvPath = join(dir, 'ids.csv');
    const { code, stdout } = await runCli([...ARGS, '--csv', csvPath]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    const rows = (await readFile(csvPath, 'utf8')).trimEnd().split('\r\n');
    expect(rows[0]).toBe('scope,subject,route,id,after_lockout');
    // "ip","203.0.113.7","/api/users/:id","1041",false: the id is the fourth cell.
    const idCells = rows.slice(1).map((row) => row.split(',')[3]!.slice(1, -1));
    expect(idCells).toEqual(await scannedIds());
    // From the lockout at 21:30:24 on: the last 32 of the 80.
    expect(rows.filter((row) => row.endsWith(',true'))).toHaveLength(32);
    expect((await stat(csvPath)).mode & 0o777).toBe(0o600);
  });

  it('makes a file that already exists readable by its owner only before writing the report', async () => {
    const jsonPath = join(dir, 'existing.json');
    await writeFile(jsonPath, 'old', { mode: 0o644 });
    await chmod(jsonPath, 0o644);
    const { code } = await runCli([...ARGS, '--json', jsonPath]);
    expect(code).toBe(0);
    expect((await stat(jsonPath)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(jsonPath, 'utf8'))).toHaveProperty('routes');
  });

  it('reports nothing taken for an address that is not in the log', async () => {
    const { code, stdout } = await runCli(['report', 'ip:192.0.2.99', LOG, '--json', '-']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      requests: number;
      routes: unknown[];
      notice: { text: string[] };
    };
    expect(report.requests).toBe(0);
    expect(report.routes).toEqual([]);
    expect(report.notice.text[0]).toContain(
      'no request of ip:192.0.2.99 was answered with success',
    );
  });

  it('stops with REPORT_LIMIT at the line that passes a limit', async () => {
    const { code, stderr } = await runCli(['report', `ip:${SCANNER}`, '--max-ids', '50', LOG]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /\[REPORT_LIMIT\] .*access-with-scan\.log:\d+: the subject reached --max-ids 50/,
    );
    expect(stderr).toContain('Narrow the period with --from/--to, or raise --max-ids');
  });

  it.each([
    [['report', LOG], 'report takes SCOPE:SUBJECT'],
    [['report', `ip:${SCANNER}`], 'report needs at least one FILE'],
    [['report', 'ip:not-an-address', LOG], 'is not an IPv4 or IPv6 address'],
    [['report', `ip:${SCANNER}`, '--from', '2015-05-17', LOG], '--from takes an ISO-8601 time'],
    [
      ['report', `ip:${SCANNER}`, '--json', '-', '--csv', '-', LOG],
      'only one of --json, --markdown, --csv',
    ],
    [['report', `ip:${SCANNER}`, '--kafka', LOG], 'files or --kafka, not both'],
    [['report', '--lockout', 'x', '--locked-at', LOCKED_AT, LOG], '--locked-at is for a subject'],
  ])('refuses %j', async (argv, message) => {
    const { code, stderr } = await runCli(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
