// Enforcement, the gateway side of contract 2: the lockouts topic read into a table
// that answers "is this request's client locked out?". Used by `exfilguard enforce`
// and published as `exfilguard/enforce` for Node gateways (the Fastify hook).
export { Enforcer, type EnforcerOptions } from './enforcer.js';
export {
  DecisionStream,
  decisionScope,
  goDuration,
  rangeSubjectKeys,
  DECISION_ORIGIN,
  type CrowdsecDecision,
  type DecisionScope,
  type DecisionStreamOptions,
  type StreamAnswer,
} from './crowdsec.js';
export { enforceOnRequest, refusalBody, type HookOptions } from './fastify-hook.js';
export {
  IdentityReader,
  canonicalAddress,
  DEFAULT_TRUSTED_PROXIES,
  type ClientAddressHeader,
  type ClientIdentity,
  type IdentityOptions,
  type RequestView,
  type SessionHash,
} from './identity.js';
export {
  LockoutSubscription,
  RECORD_OUTCOMES,
  type LockoutSink,
  type RecordOutcome,
  type SubscriptionOptions,
} from './subscription.js';
export {
  LockoutTable,
  subjectKey,
  type SubjectListener,
  type TableEntry,
  type TableMatch,
} from './table.js';
export {
  verdictOf,
  DEGRADED_RETRY_AFTER_SECONDS,
  type CheckOutcome,
  type FailMode,
  type TableState,
  type Verdict,
} from './verdict.js';
export {
  lockoutKey,
  lockoutRecordSchema,
  parseLockoutKey,
  releaseCommand,
  type LockoutCommand,
  type LockoutRecord,
  type ReleaseCommand,
} from '../decide/lockout.js';
