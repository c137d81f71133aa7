// A real Prometheus for integration tests (Debian's `prometheus` package, as .ci/run
// installs it): on a free loopback port, with its own temporary storage and a config
// written for the test, queried through its HTTP API. promtool runs beside it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  startServiceProcess,
  stopServiceProcess,
  waitUntilReady,
} from '../../scripts/lib/service-process.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** One /api/v1/query answer: the samples, or Prometheus' own error text. */
export type QueryAnswer =
  | { readonly ok: true; readonly result: readonly Sample[] }
  | { readonly ok: false; readonly error: string };

export interface RunningPrometheus {
  readonly url: string;
  query(expr: string): Promise<QueryAnswer>;
  /** GET an API path (e.g. `/api/v1/alerts`) and return its `data`. */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  stop(): Promise<void>;
}

function requireBinary(name: string): void {
  if (spawnSync(name, ['--version']).error) {
    throw new Error(
      `${name} is not on PATH. Install it with \`apt-get install prometheus\` (Debian's ` +
        `package ships prometheus and promtool; .ci/run installs it).`,
    );
  }
}

/**
 * Scrapes `targets` as job `exfilguard` and `enforceTargets` as job `exfilguard-enforce`
 * (the job names of grafana/prometheus/prometheus.yml) every second, and evaluates
 * `ruleFiles` every second.
 */
export async function startPrometheus(options: {
  targets: readonly string[];
  enforceTargets?: readonly string[];
  ruleFiles: readonly string[];
}): Promise<RunningPrometheus> {
  requireBinary('prometheus');
  const dir = await mkdtemp(join(tmpdir(), 'exfilguard-prometheus-'));
  // JSON is YAML: no hand-built YAML text.
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: options.ruleFiles,
    scrape_configs: [
      { job_name: 'exfilguard', static_configs: [{ targets: options.targets }] },
      ...(options.enforceTargets
        ? [
            {
              job_name: 'exfilguard-enforce',
              static_configs: [{ targets: options.enforceTargets }],
            },
          ]
        : []),
    ],
  };
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = startServiceProcess(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    join(dir, 'prometheus.log'),
  );
  const stop = async () => {
    await stopServiceProcess(service, 5000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(
      'prometheus',
      service,
      () =>
        fetch(`${url}/-/ready`)
          .then((r) => r.ok)
          .catch(() => false),
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  async function get(path: string, params: Record<string, string> = {}) {
    const response = await fetch(`${url}${path}?${new URLSearchParams(params).toString()}`);
    return (await response.json()) as { status: string; data?: unknown; error?: string };
  }
  return {
    url,
    stop,
    async query(expr) {
      const body = await get('/api/v1/query', { query: expr });
      if (body.status !== 'success') return { ok: false, error: body.error ?? body.status };
      const data = body.data as { resultType: string; result: unknown };
      // A scalar or string answer is one value, not a list of series.
      const result = Array.isArray(data.result)
        ? (data.result as Sample[])
        : [{ metric: {}, value: data.result as [number, string] }];
      return { ok: true, result };
    },
    async api<T>(path: string, params?: Record<string, string>) {
      const body = await get(path, params);
      if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? body.status}`);
      return body.data as T;
    },
  };
}

export interface CommandResult {
  readonly code: number | null;
  readonly output: string;
}

/** `promtool ARGS` from the repository root, with `input` on stdin. */
export function promtool(args: readonly string[], input?: string): Promise<CommandResult> {
  requireBinary('promtool');
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(input ?? '');
  });
}
