// Contract 1 (../shared/DESIGN.md): the access event, as every later stage sees it.
// Parsers (canonical JSON, ECS JSON, combined log lines) all produce this one shape.

/** One HTTP request as the edge saw it, validated and with `ts` as epoch milliseconds. */
export interface AccessEvent {
  /** Event time, epoch milliseconds. Windows slide on this, never on the wall clock. */
  readonly ts: number;
  /** Client address as text (IPv4 or IPv6), as in the input. */
  readonly ip: string;
  readonly method: string;
  /** Path with optional query string, as in the input. */
  readonly path: string;
  readonly status: number;
  /** Response body size; 0 when the input does not say. */
  readonly bytes: number;
  readonly session?: string;
  readonly user?: string;
  readonly userAgent?: string;
  /** Rows returned, where the service knows (exports). */
  readonly records?: number;
  /** The producer's event id. */
  readonly id?: string;
}
