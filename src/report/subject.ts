// Whose report: `SCOPE:SUBJECT` read once at the edge, and the test of each event
// against it. An address is compared in canonical form, as the detector keys it
// (normalize/ip.ts): `::ffff:203.0.113.7` is `203.0.113.7`; an IPv6 prefix
// (`2001:db8:1:2::/64`, as lockouts name IPv6 clients) holds every address inside it.
import type { AccessEvent } from '../event/index.js';
import { actorIp, formatIp, parseIp } from '../normalize/index.js';
import { SCOPES, type Scope } from '../vocabulary/scope.js';

export interface ReportSubject {
  readonly scope: Scope;
  /** Canonical: an address as the detector writes it, a prefix as `…::/N`. */
  readonly subject: string;
}

/** What is wrong with a subject text, to be shown to the user; undefined when fine. */
export type SubjectProblem = string;

/** Reads `ip:203.0.113.7`, `ip:2001:db8::/64`, `session:abc`, `user:mallory`. */
export function parseSubject(text: string): ReportSubject | SubjectProblem {
  const colon = text.indexOf(':');
  const scope = text.slice(0, colon) as Scope;
  const subject = text.slice(colon + 1);
  if (colon <= 0 || !SCOPES.includes(scope) || subject === '')
    return `takes SCOPE:SUBJECT with SCOPE one of ${SCOPES.join(', ')} (e.g. ip:203.0.113.7), got "${text}"`;
  if (scope !== 'ip') return { scope, subject };
  const canonical = canonicalAddress(subject);
  return canonical === undefined
    ? `"${subject}" is not an IPv4 or IPv6 address, nor an IPv6 prefix like 2001:db8::/64`
    : { scope, subject: canonical };
}

function canonicalAddress(text: string): string | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) {
    const address = parseIp(text);
    return address === undefined ? undefined : formatIp(address);
  }
  const length = Number(text.slice(slash + 1));
  const address = parseIp(text.slice(0, slash));
  if (address?.family !== 6 || !Number.isInteger(length) || length < 0 || length > 128)
    return undefined;
  return actorIp(text.slice(0, slash), length);
}

/** A test of events against the subject, built once: the per-event path is a string compare. */
export type SubjectMatcher = (event: AccessEvent) => boolean;

export function subjectMatcher({ scope, subject }: ReportSubject): SubjectMatcher {
  if (scope === 'session') return (event) => event.session === subject;
  if (scope === 'user') return (event) => event.user === subject;
  const slash = subject.indexOf('/');
  if (slash !== -1) {
    const length = Number(subject.slice(slash + 1));
    // Valid IPv4 text is canonical already (ipv4.ts), and never inside an IPv6 prefix.
    return (event) => event.ip.includes(':') && actorIp(event.ip, length) === subject;
  }
  return (event) =>
    event.ip === subject || (event.ip.includes(':') && canonicalIp(event.ip) === subject);
}

function canonicalIp(text: string): string | undefined {
  const address = parseIp(text);
  return address === undefined ? undefined : formatIp(address);
}
