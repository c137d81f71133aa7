// Route patterns in rule files: `/api/users/:id`, `/api/*/export`, `/api/**`.
// `*` matches one whole segment, `**` any number (zero included); anything else is
// literal, compared without case. Matched segment by segment with a table (no regex, no backtracking
// blow-up): at most patternSegments × routeSegments steps, compiled once at load.

export type RouteMatcher = (route: string) => boolean;

export function compileRouteGlob(glob: string): RouteMatcher {
  // Route templates are lowercased by the normalize stage (see normalize/route.ts).
  const pattern = splitSegments(glob.toLowerCase());
  if (!pattern.includes('**')) {
    // The common case: no "**", so segment counts must agree; one pass, no table.
    return (route) => {
      const segments = splitSegments(route);
      return (
        segments.length === pattern.length &&
        pattern.every((p, i) => p === '*' || p === segments[i])
      );
    };
  }
  return (route) => matchWithStars(pattern, splitSegments(route));
}

const CACHED_ROUTES = 10_000;

/**
 * `answer` remembered per route template: a service has few routes, so the per-event
 * cost is one Map lookup. The cache is bounded, since an attacker can invent routes;
 * when full it starts afresh.
 */
export function cachedPerRoute<T>(answer: (route: string) => T): (route: string) => T {
  const answers = new Map<string, T>();
  return (route) => {
    let known = answers.get(route);
    if (known === undefined) {
      known = answer(route);
      if (answers.size >= CACHED_ROUTES) answers.clear();
      answers.set(route, known);
    }
    return known;
  };
}

/** Any of the globs, answered once per route template (cachedPerRoute). */
export function compileRouteGlobs(globs: readonly string[] | undefined): RouteMatcher | undefined {
  if (!globs || globs.length === 0) return undefined;
  const matchers = globs.map(compileRouteGlob);
  return cachedPerRoute((route) => matchers.some((matches) => matches(route)));
}

function splitSegments(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

/** reachable[j]: the first i pattern segments can match the first j route segments. */
function matchWithStars(pattern: readonly string[], segments: readonly string[]): boolean {
  let reachable = new Array<boolean>(segments.length + 1).fill(false);
  reachable[0] = true;
  for (const part of pattern) {
    const next = new Array<boolean>(segments.length + 1).fill(false);
    let anyEarlier = false;
    for (let j = 0; j <= segments.length; j += 1) {
      if (part === '**') {
        anyEarlier = anyEarlier || reachable[j]!;
        next[j] = anyEarlier;
      } else if (j > 0 && reachable[j - 1] && (part === '*' || part === segments[j - 1])) {
        next[j] = true;
      }
    }
    reachable = next;
  }
  return reachable[segments.length]!;
}
