// One table of error codes. Bad input is a value (a rejected event goes to the dead
// letters, a bad rule file is refused); an ExfilguardError is for failures the caller
// must handle, and says whether retrying can help (infrastructure) or not (config).

export const ERROR_CODES = {
  RULES_INVALID: { retriable: false, summary: 'a rule file is invalid' },
  RULES_NOT_FOUND: { retriable: false, summary: 'a rules folder or file does not exist' },
  CONFIG_INVALID: { retriable: false, summary: 'configuration is invalid' },
  INPUT_UNREADABLE: { retriable: false, summary: 'an input file cannot be read' },
  STORE_UNAVAILABLE: { retriable: true, summary: 'the window store cannot be reached' },
  STORE_REPLY_INVALID: {
    retriable: false,
    summary: 'the window store replied with something its script never returns',
  },
  STORE_STATE_INVALID: {
    retriable: false,
    summary: "an actor's state value in Redis is not MessagePack this version can read",
  },
  KEY_SECRET_MISMATCH: {
    retriable: false,
    summary: 'Redis holds exfilguard state made under another key secret',
  },
  KAFKA_AUTH_FAILED: { retriable: false, summary: 'Kafka refused the SASL credentials' },
  KAFKA_UNAVAILABLE: { retriable: true, summary: 'Kafka cannot be reached' },
  REPORT_LIMIT: {
    retriable: false,
    summary: 'a report would hold more than its limit (distinct ids, routes, linked identities)',
  },
  OUTPUT_UNWRITABLE: { retriable: false, summary: 'an output file cannot be written' },
  LOCKOUT_NOT_FOUND: {
    retriable: false,
    summary: 'no lockout with that id on the lockouts topic or in the audit trail',
  },
  SUGGEST_TOO_MANY_ACTORS: {
    retriable: false,
    summary: 'rules suggest has more actor peaks to keep than its bound',
  },
  OUT_OF_MEMORY: {
    retriable: false,
    summary: 'a bulk command (replay) went over its heap limit: lower --max-windows',
  },
  REPLAY_WORKER_FAILED: {
    retriable: false,
    summary: 'a replay worker thread (replay --workers) failed, so the replay stopped',
  },
  PROGRAM_MISSING: {
    retriable: false,
    summary: 'a program to run (java, mvn, redis-server) is not installed',
  },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ExfilguardError extends Error {
  readonly retriable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExfilguardError';
    this.retriable = ERROR_CODES[code].retriable;
  }
}
