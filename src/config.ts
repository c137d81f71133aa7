// The only reader of process.env. Parsed once, at start-up, by one strict zod schema:
// a typo in an EXFILGUARD_* name is an error, not a default silently in force, and
// every problem is named with the variable and what it expects. The pieces live in
// config/: the variables with their README text (fields.ts and the *-fields.ts groups),
// one loader per command (run.ts, kafka.ts, enforce.ts, admin-client.ts), redact.ts.
export { TOPIC_DEFAULTS } from './config/values.js';
export { loadConfig, type AdminConfig, type Config, type Environment } from './config/run.js';
export { loadKafkaConfig, type KafkaConfig, type KafkaConnection } from './config/kafka.js';
export { loadEnforceConfig, type EnforceConfig } from './config/enforce.js';
export { loadAdminClientConfig, type AdminClientConfig } from './config/admin-client.js';
export { redactedConfig } from './config/redact.js';
export type { LogFormat } from './log.js';
export { settingNamesOf } from './config/help.js';
