// The admin API's library: the lockouts in force as whole records (directory), who may
// call (auth), the audit trail, and the writer of operators' lockouts and releases.
// The HTTP routes are http/admin-app.ts; the wiring is service/detector-service.ts.
export { LockoutDirectory, InvalidCursorError, type ListQuery, type Page } from './directory.js';
export {
  ADMIN_ROLES,
  FailureSlowDown,
  TokenAuthenticator,
  bearerToken,
  roleAllows,
  type AdminRole,
  type AdminToken,
  type Caller,
  type SlowDownOptions,
} from './auth.js';
export {
  AUDIT_ACTIONS,
  AUDIT_OUTCOMES,
  AuditLog,
  AuditTrail,
  InvalidAuditCursorError,
  auditRecord,
  auditRecordSchema,
  type AuditAction,
  type AuditLogOptions,
  type AuditOutcome,
  type AuditRecord,
} from './audit.js';
export { LockoutWriter, type PublishRecords } from './lockout-writer.js';
export {
  AllowlistReleaser,
  RULE_LOADER,
  allowlistReleaseId,
  planAllowlistReleases,
  type AllowlistReleaserOptions,
  type PlannedRelease,
} from './allowlist-release.js';
