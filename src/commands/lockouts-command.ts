// `exfilguard lockouts list|show|add|lift`: an operator's hands on the lockouts in
// force, through the admin API (EXFILGUARD_ADMIN_URL, EXFILGUARD_ADMIN_TOKEN); `follow`
// reads the lockouts topic from Kafka instead (lockouts-follow.ts). Output
// on stdout (a table, or JSON lines with --json); a refusal is one line on stderr that
// says what to do, with an exit code a script can tell apart (3 auth, 4 not found).
import { parseArgs } from 'node:util';
import { loadAdminClientConfig } from '../config.js';
import {
  AdminApiError,
  createAdminClient,
  type AdminClient,
  type LockoutFilters,
} from '../clients/admin-api.js';
import type { LockoutCommand } from '../decide/lockout.js';
import { REDACTED } from '../log.js';
import { MODES, SCOPES, type Mode, type Scope } from '../vocabulary/scope.js';
import { formatDuration, parseDuration } from '../vocabulary/units.js';
import { UsageError, type CommandIo } from './io.js';
import { followCommand } from './lockouts-follow.js';
import {
  ROLE_NEEDED,
  describeLockout,
  explain,
  jsonLines,
  lockoutTable,
  releaseTable,
  type Action,
} from './lockouts-output.js';

export const LOCKOUTS_USAGE = `Usage: exfilguard lockouts list|show|add|lift   (the admin API at EXFILGUARD_ADMIN_URL, with the
                                               bearer token in EXFILGUARD_ADMIN_TOKEN; a private CA's PEM in
                                               EXFILGUARD_ADMIN_CA_FILE)
       exfilguard lockouts follow              (the lockouts topic itself, read from Kafka: configured by the
                                               EXFILGUARD_KAFKA_* and EXFILGUARD_LOCKOUT_TOPIC variables, as run)

  lockouts list [--scope S] [--rule R] [--mode M] [--limit N] [--all]
                       lockouts in force, newest first; --all follows every page (--limit: page size)
  lockouts show ID     one lockout with its evidence
  lockouts add --scope S --subject X --ttl 1h --reason TEXT [--mode shadow] [--ticket T]
                       a manual lockout (rule "manual"), published to every gateway
  lockouts lift ID --reason TEXT [--ticket T] [--rule R] [--grace 10m|0]
                       release every lockout of that lockout's scope:subject (only rule R's with --rule);
                       --grace: how long the rules may not lock it again (default: the rule's window)
  lockouts follow [--from-beginning] [--json]
                       each lockout and release as it is published, one row each, until Ctrl-C
                       (exit 0); records already on the topic are skipped (--from-beginning: printed
                       first). Read-only: a private consumer group that commits nothing, no admin token
  --json               JSON lines (the lockout or release records of contract 2) instead of text
  --timeout DURATION   wait this long for an answer (default 10s; not follow)

  Roles: list and show need a viewer token, add and lift an operator token.
  Exit codes: 0 done, 1 failure (unreachable, refused as invalid, unexpected answer),
  2 usage error, 3 token refused (401) or role too low (403), 4 no lockout with that id (404).
`;

const DEFAULT_TIMEOUT = '10s';
const COMMON = {
  json: { type: 'boolean', default: false },
  timeout: { type: 'string', default: DEFAULT_TIMEOUT },
} as const;

export async function lockoutsCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [action, ...rest] = argv;
  // The topic, not the admin API: no admin URL or token needed.
  if (action === 'follow') return followCommand(rest, io);
  if (action === undefined || !Object.hasOwn(ROLE_NEEDED, action))
    throw new UsageError(
      `lockouts takes list, show, add, lift or follow${action === undefined ? '' : `, got "${action}"`}`,
    );
  const run = parse(action as Action, rest);
  const config = loadAdminClientConfig();
  // Whatever is printed, the token is not: a server or proxy that echoes the request
  // into its error text must not put it on a terminal or into a CI log.
  const redact = (text: string) => text.replaceAll(config.token, REDACTED);
  const out: CommandIo = {
    stdout: (text) => io.stdout(redact(text)),
    stderr: (text) => io.stderr(redact(text)),
    stderrIsTty: io.stderrIsTty,
  };
  const client = createAdminClient(config, { timeoutMs: run.timeoutMs });
  try {
    await run.execute(client, out);
    return 0;
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    const { message, code } = explain(error, action as Action, run.id);
    out.stderr(`exfilguard lockouts ${action}: ${message}\n`);
    return code;
  }
}

interface Run {
  readonly timeoutMs: number;
  /** The lockout id the action names, for the not-found message. */
  readonly id?: string;
  execute(client: AdminClient, io: CommandIo): Promise<void>;
}

function parse(action: Action, argv: readonly string[]): Run {
  switch (action) {
    case 'list':
      return parseList(argv);
    case 'show':
      return parseShow(argv);
    case 'add':
      return parseAdd(argv);
    case 'lift':
      return parseLift(argv);
  }
}

function parseList(argv: readonly string[]): Run {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...COMMON,
      scope: { type: 'string' },
      rule: { type: 'string' },
      mode: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean', default: false },
    },
  });
  const filters: LockoutFilters = {
    ...(values.scope !== undefined && { scope: scopeOf(values.scope) }),
    ...(values.rule !== undefined && { rule: nonEmpty('--rule', values.rule) }),
    ...(values.mode !== undefined && { mode: modeOf(values.mode) }),
    ...(values.limit !== undefined && { limit: limitOf(values.limit) }),
  };
  return {
    timeoutMs: timeoutOf(values.timeout),
    execute: async (client, io) => {
      const lockouts: LockoutCommand[] = [];
      const seen = new Set<string>();
      let cursor: string | undefined;
      let more = false;
      do {
        const page = await client.list({ ...filters, ...(cursor !== undefined && { cursor }) });
        lockouts.push(...page.items);
        cursor = page.nextCursor;
        more = cursor !== undefined;
        // A server that hands back a cursor already followed would page forever.
        if (cursor !== undefined && seen.has(cursor))
          throw new AdminApiError(
            'bad_response',
            `the admin API returned the page cursor "${cursor}" twice: stopped following it`,
          );
        if (cursor !== undefined) seen.add(cursor);
      } while (values.all && cursor !== undefined);
      if (values.json) io.stdout(jsonLines(lockouts));
      else io.stdout(lockouts.length > 0 ? lockoutTable(lockouts, Date.now()) : 'no lockouts\n');
      if (more && !values.all) io.stderr('more lockouts follow: --all lists every page\n');
    },
  };
}

function parseShow(argv: readonly string[]): Run {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { ...COMMON },
  });
  const id = onlyId('show', positionals);
  return {
    timeoutMs: timeoutOf(values.timeout),
    id,
    execute: async (client, io) => {
      const lockout = await client.show(id);
      io.stdout(values.json ? jsonLines([lockout]) : describeLockout(lockout, Date.now()));
    },
  };
}

function parseAdd(argv: readonly string[]): Run {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...COMMON,
      scope: { type: 'string' },
      subject: { type: 'string' },
      ttl: { type: 'string' },
      reason: { type: 'string' },
      mode: { type: 'string' },
      ticket: { type: 'string' },
    },
  });
  const scope = scopeOf(required('add', '--scope', values.scope));
  const subject = nonEmpty('--subject', required('add', '--subject', values.subject));
  const ttlText = required('add', '--ttl', values.ttl);
  const ttlMs = parseDuration(ttlText);
  if (ttlMs === undefined || ttlMs < 1000)
    throw new UsageError(
      `--ttl takes a duration of 1s or more like "30m" or "6h", got "${ttlText}"`,
    );
  const reason = nonEmpty('--reason', required('add', '--reason', values.reason));
  const lockout = {
    scope,
    subject,
    // The API's own notation, whatever the operator typed ("90m", "5400", "1.5h").
    ttl: formatDuration(Math.round(ttlMs / 1000) * 1000),
    reason,
    ...(values.mode !== undefined && { mode: modeOf(values.mode) }),
    ...(values.ticket !== undefined && { ticket: nonEmpty('--ticket', values.ticket) }),
  };
  return {
    timeoutMs: timeoutOf(values.timeout),
    execute: async (client, io) => {
      const added = await client.add(lockout);
      io.stdout(
        values.json
          ? jsonLines([added])
          : `locked out ${added.scope}:${added.subject}\n${describeLockout(added, Date.now())}`,
      );
    },
  };
}

function parseLift(argv: readonly string[]): Run {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      ...COMMON,
      reason: { type: 'string' },
      ticket: { type: 'string' },
      rule: { type: 'string' },
      grace: { type: 'string' },
    },
  });
  const id = onlyId('lift', positionals);
  const reason = nonEmpty('--reason', required('lift', '--reason', values.reason));
  let grace: string | undefined;
  if (values.grace !== undefined) {
    const ms = parseDuration(values.grace);
    if (ms === undefined)
      throw new UsageError(
        `--grace takes a duration like "10m", or 0 for none, got "${values.grace}"`,
      );
    const seconds = Math.round(ms / 1000);
    grace = seconds === 0 ? '0s' : formatDuration(seconds * 1000);
  }
  const lift = {
    reason,
    ...(values.ticket !== undefined && { ticket: nonEmpty('--ticket', values.ticket) }),
    ...(values.rule !== undefined && { rule: nonEmpty('--rule', values.rule) }),
    ...(grace !== undefined && { grace }),
  };
  return {
    timeoutMs: timeoutOf(values.timeout),
    id,
    execute: async (client, io) => {
      const released = await client.lift(id, lift);
      if (values.json) io.stdout(jsonLines(released));
      else if (released.length === 0) io.stdout('released nothing: no lockout was in force\n');
      else
        io.stdout(
          `released ${released.length} lockout${released.length === 1 ? '' : 's'}\n${releaseTable(released)}`,
        );
    },
  };
}

function onlyId(action: Action, positionals: readonly string[]): string {
  if (positionals.length !== 1 || positionals[0] === '')
    throw new UsageError(
      `lockouts ${action} takes one lockout ID (see "exfilguard lockouts list"), got ${positionals.length}`,
    );
  return positionals[0]!;
}

function required(action: Action, option: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`lockouts ${action} needs ${option}`);
  return value;
}

function nonEmpty(option: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`${option} must not be empty`);
  return value;
}

function scopeOf(text: string): Scope {
  if (!(SCOPES as readonly string[]).includes(text))
    throw new UsageError(`--scope must be one of ${SCOPES.join(', ')}, got "${text}"`);
  return text as Scope;
}

function modeOf(text: string): Mode {
  if (!(MODES as readonly string[]).includes(text))
    throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got "${text}"`);
  return text as Mode;
}

function limitOf(text: string): number {
  const limit = Number(text);
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new UsageError(`--limit takes a whole number of at least 1, got "${text}"`);
  return limit;
}

function timeoutOf(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 100)
    throw new UsageError(`--timeout takes a duration of 100ms or more like "10s", got "${text}"`);
  return ms;
}
