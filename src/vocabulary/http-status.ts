// HTTP status codes as rule files name them: a code (404) or a class ("4xx"). A rule's
// `match.status` filters events by them for every detector kind, and the error-ratio
// detector counts its errors by them: the syntax belongs to the access log, not to
// either user, so it sits below both.
import { z } from 'zod';

/** A status code (404) or a class ("4xx"). */
export const statusSpec = z.union([
  z.number().int().min(100).max(599),
  z.enum(['1xx', '2xx', '3xx', '4xx', '5xx']),
]);
export type StatusSpec = z.infer<typeof statusSpec>;

export type StatusMatcher = (status: number) => boolean;

/** Compiled once at rule load: two set lookups per event. */
export function compileStatusMatcher(specs: readonly StatusSpec[]): StatusMatcher {
  const exact = new Set(specs.filter((s): s is number => typeof s === 'number'));
  const classes = new Set(
    specs
      .filter((s): s is Exclude<StatusSpec, number> => typeof s === 'string')
      .map((s) => Number(s[0])),
  );
  return (status) => exact.has(status) || classes.has(Math.floor(status / 100));
}
