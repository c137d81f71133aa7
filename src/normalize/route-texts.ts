// One copy of each route text. normalizePath builds an event's route anew from its
// segments, so every event brought its own copy of `/api/users/:id`, and every window
// keyed by route kept one: some 450,000 strings after a 1M-line replay, each compared
// character by character, away in memory, at each step of an enumeration rule (issue
// 16). Handed the one copy, the stores' keys are the same string as the step's, found by
// pointer, and a window costs no string of its own.
//
// Bounded: routes come from attacker-chosen paths. Once full, the copies are forgotten
// and collected again from the next events; nothing but speed depends on them (a route
// is compared by its text everywhere), and a flood of made-up routes costs at most
// MAX_ROUTE_TEXTS × MAX_ROUTE_LENGTH characters here.

/** Distinct route texts kept at most (a site's API has hundreds of routes). */
export const MAX_ROUTE_TEXTS = 16_384;

const texts = new Map<string, string>();

/** The kept copy of `route`'s text, or `route` itself, kept from now on. */
export function routeText(route: string): string {
  const kept = texts.get(route);
  if (kept !== undefined) return kept;
  if (texts.size >= MAX_ROUTE_TEXTS) texts.clear();
  texts.set(route, route);
  return route;
}

/** Route texts kept now (for tests: the bound holds). */
export function keptRouteTexts(): number {
  return texts.size;
}
