// A child process that runs a test service (Kafka broker, redis-server): started with
// its output kept in a log file, watched for an early death, and stopped with SIGTERM
// (SIGKILL after a grace period). Children are killed when this process exits, so an
// aborted test run leaves no broker behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { delimiter, join } from 'node:path';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
}

export interface ServiceProcessOptions {
  /**
   * A process group of its own: Ctrl-C in a terminal signals the whole foreground group,
   * and a launcher that stops its services in order (the demo) must be the only one to
   * stop them. Its end with the launcher still comes from the exit hook above.
   */
  readonly ownProcessGroup?: boolean;
}

export function startServiceProcess(
  command: string,
  args: readonly string[],
  logFile: string,
  options: ServiceProcessOptions = {},
): ServiceProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  running.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      log.write(`\n[launcher] could not start ${command}: ${error.message}\n`);
      running.delete(child);
      resolve(-1);
    });
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  return { child, logFile, exited };
}

/** SIGTERM, then SIGKILL if the process has not ended after `graceMs`. */
export async function stopServiceProcess(service: ServiceProcess, graceMs = 15_000): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), graceMs);
  await service.exited;
  clearTimeout(timer);
}

/** The path of an executable `command` on PATH, or undefined. */
export function findOnPath(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The last lines of a service's log, for error messages. */
export async function logTail(logFile: string, lines = 30): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Polls `ready` until it returns true; fails at once if the service died, or after
 * `timeoutMs`, with the service's log tail in the message.
 */
export async function waitUntilReady(
  name: string,
  service: ServiceProcess,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died = false;
  void service.exited.then(() => (died = true));
  while (Date.now() < deadline) {
    if (died) {
      throw new Error(
        `${name} exited before it was ready (exit ${service.child.exitCode}). ` +
          `Log ${service.logFile}:\n${await logTail(service.logFile)}`,
      );
    }
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stopServiceProcess(service, 2000);
  throw new Error(
    `${name} was not ready after ${timeoutMs} ms. Log ${service.logFile}:\n${await logTail(service.logFile)}`,
  );
}
