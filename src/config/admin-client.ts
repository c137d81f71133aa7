// The configuration of `exfilguard lockouts`, the admin API's client: its address and a
// token; nothing of Kafka or Redis.
import { environmentFields } from './fields.js';
import { parseEnvironment } from './parse.js';

export const adminClientEnvironmentSchema = environmentFields
  .pick({ ADMIN_URL: true, ADMIN_TOKEN: true, ADMIN_CA_FILE: true })
  .required({ ADMIN_URL: true, ADMIN_TOKEN: true });

export interface AdminClientConfig {
  /** Without a trailing slash, so paths append as `/v1/…`. */
  readonly url: string;
  readonly token: string;
  readonly caFile?: string;
}

/**
 * Reads what `exfilguard lockouts` needs: EXFILGUARD_ADMIN_URL and _TOKEN, and
 * _CA_FILE if set. Other EXFILGUARD_* variables are accepted and ignored (one
 * environment serves every command); misspelt ones are refused. Throws CONFIG_INVALID.
 */
export function loadAdminClientConfig(env: NodeJS.ProcessEnv = process.env): AdminClientConfig {
  const e = parseEnvironment(adminClientEnvironmentSchema, env);
  return {
    url: e.ADMIN_URL.replace(/\/+$/, ''),
    token: e.ADMIN_TOKEN,
    ...(e.ADMIN_CA_FILE && { caFile: e.ADMIN_CA_FILE }),
  };
}
