// The one copy of each route text (route-texts.ts): the text is never changed, and a
// flood of made-up routes keeps at most MAX_ROUTE_TEXTS of them.
import { describe, expect, it } from 'vitest';
import { normalizePath } from './route.js';
import { keptRouteTexts, MAX_ROUTE_TEXTS, routeText } from './route-texts.js';

/** A literal path segment for n (letters only: digits would make it an id). */
function word(n: number): string {
  let text = '';
  for (let k = n; ; k = Math.floor(k / 26) - 1) {
    text = String.fromCharCode(97 + (k % 26)) + text;
    if (k < 26) return text;
  }
}

describe('route texts', () => {
  it('hands back the same text, built anew or kept', () => {
    const built = ['/api/users', ':id'].join('/');
    expect(routeText(built)).toBe('/api/users/:id');
    expect(routeText(`/api/users/${':id'}`)).toBe('/api/users/:id');
    expect(normalizePath('/api/users/42').route).toBe('/api/users/:id');
  });

  it('keeps at most its bound through a flood of made-up routes, and routes stay right', () => {
    for (let i = 0; i < MAX_ROUTE_TEXTS * 2 + 10; i += 1) {
      const { route } = normalizePath(`/made-up-${word(i)}/x/7`);
      expect(route).toBe(`/made-up-${word(i)}/x/:id`);
      expect(keptRouteTexts()).toBeLessThanOrEqual(MAX_ROUTE_TEXTS);
    }
    expect(keptRouteTexts()).toBeGreaterThan(0);
    expect(normalizePath('/api/users/42?tab=1').route).toBe('/api/users/:id');
  });
});
