// Signals for the long-running commands (run, simulate): SIGTERM or SIGINT aborts the
// work's signal, the work winds down (finishes its batch, flushes, disconnects) and
// the command exits 0; a wind-down that hangs past the deadline exits 1 instead of
// leaving the process up, so an orchestrator's kill is never the only way out.
import type { Logger } from '../log.js';

export const SHUTDOWN_DEADLINE_MS = 10_000;

/** Exit code: 0 when the work ended (by itself or on a signal), 1 when it failed or hung. */
export async function untilStopped(
  work: (signal: AbortSignal) => Promise<void>,
  logger: Logger,
  deadlineMs = SHUTDOWN_DEADLINE_MS,
): Promise<number> {
  const controller = new AbortController();
  let deadline: NodeJS.Timeout | undefined;
  const hung = new Promise<number>((resolve) => {
    controller.signal.addEventListener('abort', () => {
      deadline = setTimeout(() => {
        logger.error(`shutdown took longer than ${deadlineMs / 1000} s; exiting anyway`);
        resolve(1);
      }, deadlineMs);
      deadline.unref();
    });
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    logger.info({ signal }, 'shutting down');
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const done = work(controller.signal).then(
      () => 0,
      (error: unknown) => {
        logger.error({ err: error }, controller.signal.aborted ? 'shutdown failed' : 'failed');
        return 1;
      },
    );
    return await Promise.race([done, hung]);
  } finally {
    clearTimeout(deadline);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** Resolves when the signal aborts: the whole work of a service that runs until told. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
