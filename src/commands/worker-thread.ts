// A bulk command (replay, rules suggest) runs on a worker thread, whose young
// generation can be sized for it: node's default (16 MiB semi-spaces) is fixed when the
// process starts, and too small for a replay, which holds its reorder window (two
// minutes of events, ~40,000 on the bench log) and makes windows all the time while it
// allocates ~7 KB a line: every scavenge copies what it made since the last. On the
// 1,000,000-line JSONL bench log, pinned to one core, four alternating pairs: median
// 44.0 s on the main thread, 31.9 s on a thread with 96 MiB of young generation, the
// lockouts byte for byte the same (BENCHMARKS.md, issue 16) — what `node
// --max-semi-space-size=32` gives, which a user would otherwise have to know to pass.
//
// Its old generation grows less between full collections than V8 would choose
// (BULK_HEAP_GROWING_PERCENT): V8 let a replay's heap reach ~2.5× what the last full
// collection kept, most of it the events the reorder window had held and dropped. At
// 1.5×, the 1,000,000-line JSONL bench log peaked at 684–709 MB instead of 888–907
// (side by side, lockouts byte for byte the same; BENCHMARKS.md): three times as many
// full collections, ~1.5 s more marking, partly won back by fewer scavenges.
//
// The thread runs the command's usual code (cli.ts `main`) with an io that posts its
// output here, in order; this thread writes it and returns the exit code. Standard
// input is piped through when the command reads "-".
import { setFlagsFromString } from 'node:v8';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  BULK_HEAP_GROWING_PERCENT,
  BULK_YOUNG_GENERATION_MB,
  outOfMemory,
} from '../replay/shard-team.js';
import type { CommandIo } from './io.js';

/** Marks the worker data of a command's thread (a library user's worker has other data). */
const MARK = 'exfilguard-command-thread';

interface CommandThreadData {
  readonly mark: typeof MARK;
  readonly argv: readonly string[];
  readonly stderrIsTty: boolean;
}

type FromThread =
  { readonly stdout: string } | { readonly stderr: string } | { readonly exit: number };

/**
 * Whether a command thread can start from `entry`. A thread loads its entry without the
 * parent's module hooks (node 20), so TypeScript run by tsx (development, the tests)
 * runs the command on the main thread; built JavaScript, as installed, on a thread
 * (test/unit/replay-thread.test.ts runs the CLI so).
 */
export function canStartCommandThread(entry: URL): boolean {
  return !entry.pathname.endsWith('.ts');
}

/** Runs `argv` on a command thread started from `entry` (cli.ts); its exit code. */
export function runOnCommandThread(
  entry: URL,
  argv: readonly string[],
  io: CommandIo,
): Promise<number> {
  const data: CommandThreadData = { mark: MARK, argv, stderrIsTty: io.stderrIsTty };
  const readsStdin = argv.includes('-');
  // A V8 flag is the process's, not a thread's (a Worker takes no V8 options): set here,
  // where the process is the command's, it holds for the command thread and the replay
  // workers it starts; the main thread only relays their output.
  setFlagsFromString(`--heap-growing-percent=${BULK_HEAP_GROWING_PERCENT}`);
  const worker = new Worker(entry, {
    workerData: data,
    stdin: readsStdin,
    resourceLimits: { maxYoungGenerationSizeMb: BULK_YOUNG_GENERATION_MB },
  });
  if (readsStdin && worker.stdin) process.stdin.pipe(worker.stdin);
  return new Promise((resolve, reject) => {
    let code: number | undefined;
    worker.on('message', (message: FromThread) => {
      if ('stdout' in message) io.stdout(message.stdout);
      else if ('stderr' in message) io.stderr(message.stderr);
      else code = message.exit;
    });
    worker.on('error', (error: Error) => {
      // Over the heap limit the thread is stopped, not the process: say what to do.
      reject(outOfMemory(error, argv[0] ?? 'the command', '--max-windows') ?? error);
    });
    worker.on('exit', (exitCode) => {
      if (readsStdin) process.stdin.unpipe(worker.stdin ?? undefined).destroy();
      // Its output came before its exit; without an exit code the thread died unasked.
      if (code !== undefined) resolve(code);
      else reject(new Error(`the ${argv[0]} thread stopped with code ${exitCode} before it ended`));
    });
  });
}

/** True on a command thread (started by runOnCommandThread). */
export function isCommandThread(): boolean {
  return !isMainThread && (workerData as Partial<CommandThreadData> | null)?.mark === MARK;
}

/** On a command thread: runs the command with an io that posts to the main thread. */
export async function serveCommandThread(
  main: (argv: readonly string[], io: CommandIo) => Promise<number>,
): Promise<void> {
  const { argv, stderrIsTty } = workerData as CommandThreadData;
  const post = (message: FromThread) => parentPort!.postMessage(message);
  const io: CommandIo = {
    stdout: (text) => post({ stdout: text }),
    stderr: (text) => post({ stderr: text }),
    stderrIsTty,
  };
  post({ exit: await main(argv, io) });
}
