// The admin API: its server in `exfilguard run` (port, tokens, TLS, the audit topic), and
// its client, `exfilguard lockouts` (address, token, CA).
import { z } from 'zod';
import { settingDocs } from './setting-docs.js';
import { adminTokens, port, topicName, TOPIC_DEFAULTS } from './values.js';

export const adminApiFields = {
  ADMIN_PORT: port.optional().register(settingDocs, {
    unset: 'off',
    description: "the admin API's port (the health and metrics port is unchanged)",
  }),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1').register(settingDocs, {
    description: 'its address',
  }),
  ADMIN_TOKENS: adminTokens.optional().register(settingDocs, {
    unset: '(required with it)',
    description:
      "`name:role:sha256-hex,…`: each token's name, role and the hex SHA-256 of the token, " +
      'never the token in clear',
  }),
  ADMIN_TLS_CERT_FILE: z.string().min(1).optional().register(settingDocs, {
    unset: 'none (plain HTTP)',
    description: 'PEM certificate: HTTPS on the admin port, with `EXFILGUARD_ADMIN_TLS_KEY_FILE`',
  }),
  ADMIN_TLS_KEY_FILE: z.string().min(1).optional().register(settingDocs, {
    unset: 'none (plain HTTP)',
    description: "the certificate's PEM key (both or neither)",
  }),
  AUDIT_TOPIC: topicName.default(TOPIC_DEFAULTS.audit).register(settingDocs, {
    description:
      'the audit trail (created where the admin API runs, with one partition, not compacted, ' +
      '400-day retention)',
  }),
};

export const adminClientFields = {
  ADMIN_URL: z
    .url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' })
    .refine((url) => !new URL(url).username && !new URL(url).password, {
      message: 'holds credentials: put the token in EXFILGUARD_ADMIN_TOKEN, not in the URL',
    })
    .optional()
    .register(settingDocs, {
      description:
        'where the admin API listens, e.g. `http://127.0.0.1:9479` (https too; no credentials ' +
        'in it: the token goes in `EXFILGUARD_ADMIN_TOKEN`)',
    }),
  // Never echoed: the messages here are fixed text, so a refusal does not quote the value.
  ADMIN_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]+$/, {
      message:
        'printable characters without spaces or line breaks (a trailing newline from a file?)',
    })
    .optional()
    .register(settingDocs, {
      description:
        'the token, sent as `Authorization: Bearer …`, never printed (not even when a server ' +
        'echoes it back)',
    }),
  ADMIN_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .register(settingDocs, {
      unset: "Node's public CAs",
      description:
        "PEM of a private CA that signed the admin port's certificate (trusted for this " +
        'connection only)',
    }),
};
