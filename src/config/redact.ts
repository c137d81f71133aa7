// The configuration as the start-up log line shows it: secrets masked.
import { REDACTED, redactUrlCredentials } from '../log.js';
import type { Config } from './run.js';

/**
 * The configuration with its secrets masked, for the start-up log line. One rule for
 * every setting, present or added later: a setting named like a secret is masked whole,
 * and any other text loses the credentials of the URL it may hold, with or without a
 * scheme (ioredis reads a cluster node `user:pass@host:6379` as a URL too).
 */
export function redactedConfig(config: Config): unknown {
  return redactSetting(config, '');
}

// `hash`: the admin tokens' SHA-256 are no secrets, but they are the credentials'
// fingerprints (an offline guess is checked against them): masked too.
const SECRET_NAME = /secret|password|token|^hash$/i;

function redactSetting(value: unknown, name: string): unknown {
  if (typeof value === 'string') return SECRET_NAME.test(name) ? REDACTED : redactUserinfo(value);
  if (Array.isArray(value)) return value.map((item: unknown) => redactSetting(item, name));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, redactSetting(v, key)]));
}

function redactUserinfo(setting: string): string {
  if (setting.includes('://')) return redactUrlCredentials(setting);
  return redactUrlCredentials(`://${setting}`).slice(3);
}
