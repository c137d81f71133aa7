// A real nginx for integration tests (Debian's package, as .ci/run installs it), running
// the example under examples/gateways/nginx itself: its files are copied to a temporary
// prefix with the ${PLACEHOLDERS} filled in, and nginx runs (needing no privileges) in the
// foreground on loopback ports. Beside it, a tiny upstream application answering 200.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  portAccepts,
  startServiceProcess,
  stopServiceProcess,
  waitUntilReady,
} from '../../scripts/lib/service-process.js';

export const NGINX_EXAMPLE = fileURLToPath(
  new URL('../../examples/gateways/nginx/', import.meta.url),
);

/** Fills `${NAME}` placeholders (upper case: nginx's own variables are lower case). */
export function renderTemplate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for the placeholder \${${name}}`);
    return value;
  });
}

export interface RunningNginx {
  /** http://127.0.0.1:port of the fail-closed server (nginx's default behaviour). */
  readonly url: string;
  /** The same site, failing open when enforce is unreachable. */
  readonly failOpenUrl: string;
  stop(): Promise<void>;
}

/** The example in front of `appAddr`, checking with enforce at `enforceAddr` (host:port). */
export async function startNginxExample(options: {
  appAddr: string;
  enforceAddr: string;
}): Promise<RunningNginx> {
  if (spawnSync('nginx', ['-v']).error) {
    throw new Error(
      'nginx is not on PATH. Install it with `apt-get install nginx` (.ci/run installs it).',
    );
  }
  const prefix = await mkdtemp(join(tmpdir(), 'exfilguard-nginx-'));
  // Run as root, nginx's workers drop to `nobody`: they must reach the prefix's files.
  await chmod(prefix, 0o755);
  await mkdir(join(prefix, 'logs'));
  await mkdir(join(prefix, 'temp'));
  const [port, failOpenPort] = [await freePort(), await freePort()];
  const values = {
    LISTEN: `127.0.0.1:${port}`,
    LISTEN_FAIL_OPEN: `127.0.0.1:${failOpenPort}`,
    APP_ADDR: options.appAddr,
    ENFORCE_ADDR: options.enforceAddr,
    // The test is the load balancer: it connects from loopback and names each client.
    LOAD_BALANCER: '127.0.0.1',
  };
  for (const name of await readdir(NGINX_EXAMPLE)) {
    if (name.endsWith('.md')) continue;
    const text = await readFile(join(NGINX_EXAMPLE, name), 'utf8');
    await writeFile(join(prefix, name.replace(/\.template$/, '')), renderTemplate(text, values));
  }
  const service = startServiceProcess(
    'nginx',
    [
      '-p',
      prefix,
      '-c',
      join(prefix, 'nginx.conf'),
      '-e',
      'stderr',
      '-g',
      `daemon off; pid ${join(prefix, 'nginx.pid')};`,
    ],
    join(prefix, 'nginx.log'),
  );
  // SIGTERM: nginx's fast shutdown; the master ends its workers.
  const stop = async () => {
    await stopServiceProcess(service, 5000);
    await rm(prefix, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(
      'nginx',
      service,
      async () => (await portAccepts(port)) && portAccepts(failOpenPort),
      10_000,
    );
  } catch (error) {
    await rm(prefix, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    failOpenUrl: `http://127.0.0.1:${failOpenPort}`,
    stop,
  };
}

export interface RunningUpstream {
  /** host:port */
  readonly addr: string;
  /** Requests it answered. */
  readonly served: () => number;
  stop(): Promise<void>;
}

/** The application behind nginx: 200 `app` to everything. */
export async function startUpstream(): Promise<RunningUpstream> {
  let served = 0;
  const server = createServer((_request, response) => {
    served++;
    response.writeHead(200, { 'content-type': 'text/plain' }).end('app\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    addr: `127.0.0.1:${port}`,
    served: () => served,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
