// Which class of route a request went to: `protected` (records: people, customers,
// invoices, documents), `public` (content anyone may read, walked in order by search
// engines) or `download` (installers, media). Declared in `kind: routes` documents;
// a route declared `protected` wins over public and download trees, and a route
// nobody declared is protected, so a forgotten declaration can only keep a rule on.
import type { AccessClass } from '../vocabulary/scope.js';
import type { SourcedRouteClasses } from './load.js';
import { cachedPerRoute, compileRouteGlobs } from './route-glob.js';

export type RouteClassifier = (route: string) => AccessClass;

export function compileRouteClasses(declarations: readonly SourcedRouteClasses[]): RouteClassifier {
  const protectedRoutes = compileRouteGlobs(declarations.flatMap((d) => d.protected));
  const publicRoutes = compileRouteGlobs(declarations.flatMap((d) => d.public));
  const downloads = compileRouteGlobs(declarations.flatMap((d) => d.downloads));
  if (!publicRoutes && !downloads) return () => 'protected';
  return cachedPerRoute((route): AccessClass => {
    if (protectedRoutes?.(route)) return 'protected';
    if (publicRoutes?.(route)) return 'public';
    if (downloads?.(route)) return 'download';
    return 'protected';
  });
}
