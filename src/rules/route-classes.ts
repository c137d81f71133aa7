// Which class of route a request went to: `protected` (records: people, customers,
// invoices, documents), `public` (content anyone may read, walked in order by search
// engines) or `download` (installers, media). Declared in `kind: routes` documents;
// a route declared `protected` wins over public and download trees, and a route
// nobody declared is protected, so a forgotten declaration can only keep a rule on.
import type { AccessClass } from '../vocabulary/scope.js';
import type { SourcedRouteClasses } from './load.js';
import { compileRouteGlobs } from './route-glob.js';

export type RouteClassifier = (route: string) => AccessClass;

const CACHED_ROUTES = 10_000;

export function compileRouteClasses(declarations: readonly SourcedRouteClasses[]): RouteClassifier {
  const protectedRoutes = compileRouteGlobs(declarations.flatMap((d) => d.protected));
  const publicRoutes = compileRouteGlobs(declarations.flatMap((d) => d.public));
  const downloads = compileRouteGlobs(declarations.flatMap((d) => d.downloads));
  if (!publicRoutes && !downloads) return () => 'protected';
  const classOf = (route: string): AccessClass => {
    if (protectedRoutes?.(route)) return 'protected';
    if (publicRoutes?.(route)) return 'public';
    if (downloads?.(route)) return 'download';
    return 'protected';
  };
  // One answer per route template, so an event costs one Map lookup. Bounded, since an
  // attacker can invent routes; when full it starts afresh.
  const answers = new Map<string, AccessClass>();
  return (route) => {
    let answer = answers.get(route);
    if (answer === undefined) {
      answer = classOf(route);
      if (answers.size >= CACHED_ROUTES) answers.clear();
      answers.set(route, answer);
    }
    return answer;
  };
}
