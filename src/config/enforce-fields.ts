// The settings of `exfilguard enforce` (the gateway side) beside its Kafka connection.
import { z } from 'zod';
import { settingDocs } from './setting-docs.js';
import { durationMs, headerName, isCidr, list, port } from './values.js';

const bouncerKey = /^[A-Za-z0-9._-]{1,64}:[0-9a-f]{64}$/;

export const enforceFields = {
  ENFORCE_HOST: z.string().min(1).default('127.0.0.1').register(settingDocs, {
    description:
      'address of the check endpoint, `/healthz`, `/readyz`, `/metrics` (loopback by default: a sidecar)',
  }),
  ENFORCE_PORT: port.default(9478).register(settingDocs, { description: 'their port' }),
  ENFORCE_FAIL_MODE: z.enum(['open', 'closed']).default('open').register(settingDocs, {
    description:
      '`open` or `closed`: what is answered while the table cannot be vouched for (above)',
  }),
  ENFORCE_STALE_AFTER: durationMs.default(30_000).register(settingDocs, {
    description:
      'no successful fetch for this long: stale (an idle topic is still fetched every 0.5 s)',
  }),
  ENFORCE_TRUSTED_PROXIES: list
    .refine((cidrs) => cidrs.every(isCidr), {
      message: 'expected CIDRs or addresses, e.g. "127.0.0.1/32,10.0.0.0/8,::1"',
    })
    .default(['127.0.0.0/8', '::1/128'])
    .register(settingDocs, {
      description: 'callers whose address header is believed (CIDRs or addresses)',
    }),
  ENFORCE_CLIENT_ADDRESS_HEADER: z
    .enum(['x-forwarded-for', 'x-real-ip'])
    .default('x-forwarded-for')
    .register(settingDocs, {
      description: 'or `x-real-ip`: where a trusted proxy puts the client',
    }),
  ENFORCE_SESSION_COOKIE: headerName.optional().register(settingDocs, {
    unset: 'none',
    description: 'the cookie that holds the session (every occurrence of it is judged)',
  }),
  ENFORCE_SESSION_HEADER: headerName.optional().register(settingDocs, {
    unset: 'none',
    description: 'or a header that holds it (with the cookie, both are judged)',
  }),
  ENFORCE_SESSION_HASH: z.enum(['none', 'sha256']).default('none').register(settingDocs, {
    description:
      '`sha256`: the session as your logs carry it, the hex SHA-256 of the cookie or header',
  }),
  ENFORCE_SESSION_HASH_LENGTH: z.coerce
    .number()
    .int()
    .min(8)
    .max(64)
    .default(64)
    .register(settingDocs, { description: 'that hash cut to this many hex characters (8 to 64)' }),
  ENFORCE_USER_HEADER: headerName.optional().register(settingDocs, {
    unset: 'none',
    description:
      "the authenticated user, set by the gateway (and stripped from the client's request)",
  }),
  // Hashes, so the keys themselves are never configured in clear.
  ENFORCE_BOUNCER_KEYS: list
    .refine((pairs) => pairs.every((pair) => bouncerKey.test(pair)), {
      message:
        'expected name:sha256-hex pairs, e.g. "nginx-bouncer:$(printf %s "$KEY" | sha256sum | cut -c1-64)"',
    })
    .optional()
    .register(settingDocs, {
      unset: 'none: the CrowdSec endpoints answer 404',
      description: "CrowdSec bouncers' keys as `name:sha256-hex` pairs (below)",
    }),
};
