// Words every stage shares: whom a rule measures and locks out (scope), how loud a
// lockout is (severity) and whether gateways act on it (mode). Rule files, the
// window store, the lockout command (contract 2) and the simulator all speak them.

export const SCOPES = ['ip', 'session', 'user'] as const;
export type Scope = (typeof SCOPES)[number];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const MODES = ['enforce', 'shadow'] as const;
export type Mode = (typeof MODES)[number];
/**
 * Classes of route, declared in rule files (`kind: routes`): `protected` routes serve
 * records (people, customers, invoices, documents); `public` ones content anyone may
 * read; `download` ones installers and media. Undeclared routes are protected.
 */
export const ACCESS_CLASSES = ['protected', 'public', 'download'] as const;
export type AccessClass = (typeof ACCESS_CLASSES)[number];
/** What a rule's `ip` key counts: the address's own traffic, or all of it. */
export const ADDRESS_TRAFFIC = ['anonymous', 'all'] as const;
export type AddressTraffic = (typeof ADDRESS_TRAFFIC)[number];
