// What a rule set can reach: rules that can never fire, and allowlists so wide that
// they switch detection off. Both load without a schema error and both leave the
// detector looking healthy while it protects nothing, so the loader warns about the
// first and refuses the second unless the allowlist says `confirm: allow-everyone`.
import { bitmapBits } from '../detect/index.js';
import { parseCidr } from '../normalize/index.js';
import { linearCountEstimate } from '../window/arithmetic.js';
import { compileStatusMatcher } from '../vocabulary/http-status.js';
import type { Allowlist, Rule } from './schema.js';

/** A problem at a key of a rule or allowlist document. */
export interface Finding {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export const ALLOW_EVERYONE = 'allow-everyone';
/**
 * Shorter allowlisted prefixes need confirming: a /8 is already 1/256 of all IPv4
 * addresses. IPv6 allows a /7 for fc00::/7, the unique local addresses (RFC 4193): the
 * private range an operator allowlists as 10.0.0.0/8.
 */
export const MIN_ALLOWLIST_PREFIX = { 4: 8, 6: 7 } as const;

/** Why `rule` can never fire; empty when it can. */
export function neverFires(rule: Rule): Finding[] {
  const findings: Finding[] = [];
  const { detect, match } = rule;
  if (detect.kind === 'breadth') {
    const bits = bitmapBits(detect.threshold);
    const most = linearCountEstimate(bits, bits); // a full bitmap: m·ln m
    if (detect.threshold > most) {
      findings.push({
        path: ['detect', 'threshold'],
        message:
          `${detect.threshold} distinct ${detect.of} can never be counted: the ${bits}-bit ` +
          `bitmap estimates at most ${most}; lower the threshold to ${most} or less`,
      });
    }
  }
  if (detect.kind === 'errorRatio' && match.status && !overlaps(match.status, detect.statuses)) {
    findings.push({
      path: ['detect', 'statuses'],
      message:
        `no status in ${JSON.stringify(detect.statuses)} is matched by match.status ` +
        `${JSON.stringify(match.status)}, so the ratio is always 0; widen match.status`,
    });
  }
  (match.excludeRoutes ?? []).forEach((glob, i) => {
    if (matchesEveryRoute(glob)) {
      findings.push({
        path: ['match', 'excludeRoutes', i],
        message: `"${glob}" excludes every route, so no event counts; remove it`,
      });
    }
  });
  return findings;
}

/** The entries of `allowlist` that switch detection off for everyone or nearly. */
export function allowsEveryone(allowlist: Allowlist): Finding[] {
  const findings: Finding[] = [];
  allowlist.ips.forEach((text, i) => {
    const { family, prefixLength } = parseCidr(text);
    if (prefixLength >= MIN_ALLOWLIST_PREFIX[family]) return;
    const share = prefixLength === 0 ? 'all' : `1/${2 ** prefixLength} of all`;
    findings.push({
      path: ['ips', i],
      message: `"${text}" allowlists ${share} IPv${family} addresses, switching detection off for them`,
    });
  });
  allowlist.routes.forEach((glob, i) => {
    if (matchesEveryRoute(glob)) {
      findings.push({
        path: ['routes', i],
        message: `"${glob}" allowlists every route, switching detection off for all traffic`,
      });
    }
  });
  return findings;
}

/** `/**`, `/*\/**`, …: only wildcards, one of them `**`, so every route deep enough. */
function matchesEveryRoute(glob: string): boolean {
  const segments = glob.split('/').filter((s) => s.length > 0);
  return segments.includes('**') && segments.every((s) => s === '*' || s === '**');
}

function overlaps(a: Rule['match']['status'] & {}, b: Rule['match']['status'] & {}): boolean {
  const inA = compileStatusMatcher(a);
  const inB = compileStatusMatcher(b);
  for (let status = 100; status <= 599; status += 1) if (inA(status) && inB(status)) return true;
  return false;
}
