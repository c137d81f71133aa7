// Words every stage shares: whom a rule measures and locks out (scope), how loud a
// lockout is (severity) and whether gateways act on it (mode). Rule files, the
// window store, the lockout command (contract 2) and the simulator all speak them.

export const SCOPES = ['ip', 'session', 'user'] as const;
export type Scope = (typeof SCOPES)[number];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const MODES = ['enforce', 'shadow'] as const;
export type Mode = (typeof MODES)[number];
