// The rule-test runner itself: a wrong expectation must fail, with a message.
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRuleTestFile } from './rule-tests.js';
import { loadRules } from '../rules/shipped.js';

const { compiled } = await loadRules({ dirs: [], shipped: true });

async function testFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-rule-test-'));
  const file = join(dir, 'x.test.yaml');
  await writeFile(file, text);
  return file;
}

const SCAN = `events:
  - scan:
      start: 2026-01-05T09:00:00Z
      every: 1s
      count: 60
      ids: { from: 1, step: 1 }
      event: { ip: 192.0.2.1, method: GET, path: '/api/users/{id}', status: 200 }
`;

describe('rule tests', () => {
  it('fails a "must not fire" test when a lockout comes', async () => {
    const [result] = await runRuleTestFile(
      await testFile(`name: quiet\n${SCAN}expect:\n  lockouts: []\n`),
      compiled,
    );
    expect(result?.passed).toBe(false);
    expect(result?.problems[0]).toContain(
      'unexpected lockout sequential-id-scan ip:192.0.2.1 at 2026-01-05T09:00:50.000Z',
    );
  });

  it('fails when the expected lockout comes at another time', async () => {
    const expectation = `expect:\n  lockouts:\n    - { rule: sequential-id-scan, scope: ip, subject: 192.0.2.1, eventTime: '2026-01-05T09:00:10Z' }\n`;
    const [result] = await runRuleTestFile(
      await testFile(`name: early\n${SCAN}${expectation}`),
      compiled,
    );
    expect(result?.passed).toBe(false);
    expect(result?.problems).toHaveLength(2);
  });

  it('reports an invalid event in a test with its index', async () => {
    const text = `name: bad\nevents:\n  - { ts: yesterday, ip: 192.0.2.1, method: GET, path: /, status: 200 }\nexpect:\n  lockouts: []\n`;
    const [result] = await runRuleTestFile(await testFile(text), compiled);
    expect(result?.passed).toBe(false);
    expect(result?.problems[0]).toMatch(/^events\[0\]: ts:/);
  });

  it('fails a test file that is a FIFO, at once, instead of waiting on it forever', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exfilguard-rule-test-'));
    const fifo = join(dir, 'x.test.yaml');
    execFileSync('mkfifo', [fifo]);
    const [result] = await runRuleTestFile(fifo, compiled);
    expect(result?.passed).toBe(false);
    expect(result?.problems[0]).toContain('not a regular file');
  });

  it('fails a test file holding an alias bomb, without expanding it', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level += 1) {
      bomb.push(
        `l${level}: &l${level} [${Array(10)
          .fill(level === 1 ? '*a' : `*l${level - 1}`)
          .join(', ')}]`,
      );
    }
    const [result] = await runRuleTestFile(await testFile(`${bomb.join('\n')}\n`), compiled);
    expect(result?.passed).toBe(false);
    expect(result?.problems[0]).toContain('aliases expand too far');
  });

  it('fails a test whose scans would generate more events than a test may hold', async () => {
    const scan = SCAN.replace('count: 60', 'count: 100000').replace('events:\n', '');
    const text = `name: huge\nevents:\n${scan.repeat(11)}expect:\n  lockouts: []\n`;
    const [result] = await runRuleTestFile(await testFile(text), compiled);
    expect(result?.passed).toBe(false);
    expect(result?.problems[0]).toContain('over 1000000; split the test');
  });
});

describe('rule tests: scan ids', () => {
  const scanWith = (ids: string, path = '/v1/invoices/{id}') =>
    SCAN.replace('ids: { from: 1, step: 1 }', `ids: ${ids}`).replace('/api/users/{id}', path);
  const quiet = 'expect:\n  lockouts: []\n';

  it('reports a misspelt scan field with its path instead of ignoring it', async () => {
    const text = `name: typo\n${scanWith('{ from: 1, step: 1, prefx: INV- }')}${quiet}`;
    const [result] = await runRuleTestFile(await testFile(text), compiled);
    expect(result?.passed).toBe(false);
    expect(result?.problems[0]).toMatch(/^events\.0\.scan\.ids: Unrecognized key.*prefx/);
  });

  it.each([
    ['{ from: 1, pad: 0 }', /^events\.0\.scan\.ids\.pad: /],
    ['{ from: 1, pad: 21 }', /^events\.0\.scan\.ids\.pad: /],
    [
      '{ from: 10, step: -1, pad: 4 }',
      /ids\.pad: padded ids must not go below 0, .* from 10 to -49/,
    ],
    ['{ from: 1, prefix: 7 }', /^events\.0\.scan\.ids\.prefix: /],
  ])('reports the bad ids %s', async (ids, problem) => {
    const [result] = await runRuleTestFile(
      await testFile(`name: bad\n${scanWith(ids)}${quiet}`),
      compiled,
    );
    expect(result?.passed).toBe(false);
    expect(result?.problems[0]).toMatch(problem);
  });

  it('pads and prefixes ids: a prefixed walk is locked, and its number is the padded one', async () => {
    const expectation = `expect:\n  lockouts:\n    - { rule: sequential-id-scan, scope: ip, subject: 192.0.2.1, eventTime: '2026-01-05T09:00:50Z' }\n`;
    const text = `name: prefixed\n${scanWith('{ from: 9990, prefix: EMP_, pad: 5 }')}${expectation}`;
    const [result] = await runRuleTestFile(await testFile(text), compiled);
    expect(result?.problems).toStrictEqual([]);
    // Without the prefix's digit group the walk is a run of literal routes: no lockout.
    const literal = scanWith('{ from: 9990, prefix: employee-x, pad: 5 }');
    const [none] = await runRuleTestFile(
      await testFile(`name: literal\n${literal}${expectation}`),
      compiled,
    );
    expect(none?.problems).toStrictEqual([
      'expected a lockout sequential-id-scan ip:192.0.2.1 at 2026-01-05T09:00:50Z, got none',
    ]);
  });
});
