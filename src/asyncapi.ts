// The AsyncAPI 3.0 document of exfilguard's Kafka topics (schemas/asyncapi.yaml): the
// input, lockouts, dead-letter and audit topics, who sends and who receives on each. Payloads
// are the contracts' JSON Schemas (contracts.ts, from the zod schemas the code validates
// with); topic names, headers and the lockout key come from the code that uses them.
// `npm run schemas` writes it; a unit test fails when the committed file drifts.
//
// zod labels its JSON Schemas draft 2020-12; their `$schema` is left out here, as the
// document's schemas are AsyncAPI schemas (a superset of draft-07), and they use only
// keywords the two drafts share (asyncapi.test.ts checks it).
import type { z } from 'zod';
import { stringify } from 'yaml';
import { auditRecordSchema } from './admin/index.js';
import { LONG_RETENTION_MS } from './clients/kafka.js';
import { TOPIC_DEFAULTS } from './config.js';
import { contractJsonSchema } from './contracts.js';
import { LOCKOUT_ID_HEADER, lockoutRecordSchema } from './decide/lockout.js';
import { canonicalEventSchema, EVENT_REJECTION_CODES, MAX_RAW_BYTES } from './event/index.js';
import { PACKAGE_VERSION } from './package.js';
import { DEAD_LETTER_HEADERS } from './sink/dead-letters.js';
import { MODES, SCOPES } from './vocabulary/scope.js';

const KAFKA_BINDING_VERSION = '0.5.0';

/** Every key of the lockouts topic: `rule/mode/scope:subject` (decide/lockout.ts). */
export const LOCKOUT_KEY_PATTERN = `^[^/]+/(${MODES.join('|')})/(${SCOPES.join('|')}):.+$`;

const ref = (pointer: string) => ({ $ref: `#/${pointer}` });

/** A contract's JSON Schema as a component: the same, without zod's `$schema`. */
export function componentSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _draft, ...json } = contractJsonSchema(schema);
  return json;
}

function channels() {
  const named = (variable: string, name: string) =>
    `The name is configurable: EXFILGUARD_${variable} (default \`${name}\`).`;
  return {
    accessLogs: {
      address: TOPIC_DEFAULTS.input,
      title: 'Access logs',
      description:
        'Access events from web servers, proxies or log shippers, one event a message ' +
        `(a JSON array is refused as a batch), at most ${MAX_RAW_BYTES} bytes. ` +
        named('INPUT_TOPIC', TOPIC_DEFAULTS.input),
      messages: { accessEvent: ref('components/messages/accessEvent') },
    },
    lockouts: {
      address: TOPIC_DEFAULTS.lockouts,
      title: 'Lockouts (contract 2)',
      description:
        'What gateways act on. Compacted: the key is one per rule, mode and subject, so ' +
        'the compacted topic keeps every rule’s latest record of a subject; in force for a ' +
        'subject is every `lockout` record of its keys with mode `enforce` and `expiresAt` ' +
        'in the future. A `release` record or a tombstone on a key ends it; expiry publishes ' +
        'nothing. The detector publishes in Kafka transactions (with the input offsets): ' +
        'read with isolation level read_committed (kafkajs’ default). ' +
        named('LOCKOUT_TOPIC', TOPIC_DEFAULTS.lockouts),
      messages: {
        lockoutRecord: ref('components/messages/lockoutRecord'),
        lockoutTombstone: ref('components/messages/lockoutTombstone'),
      },
      bindings: {
        kafka: {
          // Deleted too after 400 days (longer than any lockout): README explains.
          topicConfiguration: {
            'cleanup.policy': ['compact', 'delete'],
            'retention.ms': LONG_RETENTION_MS,
          },
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
    },
    audit: {
      address: TOPIC_DEFAULTS.audit,
      title: 'Audit trail of the admin API',
      description:
        'One record per lockout added or lifted through the admin API, per refused call, ' +
        'and per lockout an allowlist change released (who: rule-loader): ' +
        'who (a token’s name, never the token), what, why, how it ended. Not compacted, ' +
        'kept 400 days. ' +
        named('AUDIT_TOPIC', TOPIC_DEFAULTS.audit),
      messages: { auditRecord: ref('components/messages/auditRecord') },
      bindings: {
        kafka: {
          partitions: 1,
          topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': LONG_RETENTION_MS },
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
    },
    deadLetters: {
      address: TOPIC_DEFAULTS.deadLetters,
      title: 'Dead letters',
      description:
        'Input records that are not a valid access event, as they were, with the reason in ' +
        'headers (the Kafka Connect convention): a fixed record can be replayed as it was. ' +
        named('DEAD_LETTER_TOPIC', TOPIC_DEFAULTS.deadLetters),
      messages: { deadLetter: ref('components/messages/deadLetter') },
    },
  };
}

function operations() {
  const on = (channel: string, ...messages: string[]) => ({
    channel: ref(`channels/${channel}`),
    messages: messages.map((message) => ref(`channels/${channel}/messages/${message}`)),
  });
  return {
    receiveAccessEvents: {
      action: 'receive',
      title: 'The detector reads access events',
      description:
        '`exfilguard run`, in consumer group EXFILGUARD_GROUP_ID (default `exfilguard`). ' +
        'EXFILGUARD_INPUT_FORMAT (auto, json, combined) says which forms it accepts.',
      ...on('accessLogs', 'accessEvent'),
    },
    sendLockouts: {
      action: 'send',
      title: 'The detector publishes lockouts',
      description:
        'One `lockout` record a decision, in the same Kafka transaction as the input ' +
        'offsets of its batch: a restart adds no duplicate.',
      ...on('lockouts', 'lockoutRecord'),
    },
    sendDeadLetters: {
      action: 'send',
      title: 'The detector dead-letters what it cannot read',
      description: 'In the same transaction as the lockouts and the input offsets.',
      ...on('deadLetters', 'deadLetter'),
    },
    sendReleases: {
      action: 'send',
      title: 'An operator or a service lifts a lockout',
      description:
        'A `release` record, or a tombstone, on the key of the lockout it ends. ' +
        '`exfilguard run` publishes one (releasedBy: rule-loader) per lockout in force that ' +
        'an allowlist change newly covers.',
      ...on('lockouts', 'lockoutRecord', 'lockoutTombstone'),
    },
    sendAudit: {
      action: 'send',
      title: 'The admin API records who changed what',
      description: '`exfilguard run` with EXFILGUARD_ADMIN_PORT (admin API, rule loader); logged.',
      ...on('audit', 'auditRecord'),
    },
    receiveAudit: {
      action: 'receive',
      title: 'The admin API reads the trail back (GET /v1/audit)',
      description: 'Every instance, from the beginning, keeping the last 10,000 records.',
      ...on('audit', 'auditRecord'),
    },
    receiveLockouts: {
      action: 'receive',
      title: 'Gateways read lockouts',
      description:
        '`exfilguard enforce` or your own reader (`lockoutRecordSchema`, `parseLockoutKey`), ' +
        'isolation level read_committed, from the beginning of the compacted topic.',
      ...on('lockouts', 'lockoutRecord', 'lockoutTombstone'),
    },
  };
}

const lockoutKeyBinding = {
  kafka: { key: ref('components/schemas/LockoutKey'), bindingVersion: KAFKA_BINDING_VERSION },
};

const accessEventMessage = {
  name: 'AccessEvent',
  title: 'Access event (contract 1)',
  summary: 'One HTTP request as the server logged it.',
  description:
    'Canonical JSON (the contract), Elastic Common Schema JSON, or an Apache/nginx ' +
    'combined (or common) log line. ECS fields are mapped onto the canonical ones and ' +
    'held to the same limits. The key is not read (the simulator keys by client address).',
  payload: {
    anyOf: [
      ref('components/schemas/AccessEvent'),
      {
        type: 'object',
        description:
          'Elastic Common Schema JSON (`@timestamp`, `source.ip`, `http.request.method`, ' +
          '`url.path`, `http.response.status_code`, …), nested or with dotted keys.',
      },
      {
        type: 'string',
        description: 'An Apache/nginx combined or common log line (UTF-8 text).',
      },
    ],
  },
};

const lockoutMessages = {
  lockoutRecord: {
    name: 'LockoutRecord',
    title: 'Lockout or release (contract 2)',
    summary: 'A `lockout` to enforce, or the `release` that ends one (`type`).',
    contentType: 'application/json',
    headers: {
      type: 'object',
      properties: {
        [LOCKOUT_ID_HEADER]: {
          type: 'string',
          description:
            'The record’s `id`, so a duplicate is dropped unparsed (the detector sets it)',
        },
      },
    },
    payload: ref('components/schemas/LockoutRecord'),
    bindings: lockoutKeyBinding,
  },
  lockoutTombstone: {
    name: 'LockoutTombstone',
    title: 'Tombstone',
    summary: 'A record with a key and no value: ends that key, as a release does.',
    payload: { type: 'null' },
    bindings: lockoutKeyBinding,
  },
};

function deadLetterMessage() {
  const headers = Object.entries(DEAD_LETTER_HEADERS);
  return {
    name: 'DeadLetter',
    title: 'Dead letter',
    summary: 'An input record that is not a valid access event, with the reason in headers.',
    description:
      'Value and key are the original bytes, cut to fit the topic’s max.message.bytes ' +
      '(the headers then say so).',
    contentType: 'application/octet-stream',
    headers: {
      type: 'object',
      properties: Object.fromEntries(
        headers.map(([name, { description }]) => [
          name,
          name === 'exfilguard.error.code'
            ? { type: 'string', enum: Object.keys(EVENT_REJECTION_CODES), description }
            : { type: 'string', description },
        ]),
      ),
      required: headers.filter(([, header]) => !('optional' in header)).map(([name]) => name),
    },
    payload: { type: 'string', format: 'binary', description: 'The original record’s value' },
  };
}

function schemas() {
  return {
    AccessEvent: {
      title: 'exfilguard access event, canonical form',
      ...componentSchema(canonicalEventSchema),
    },
    LockoutRecord: {
      title: 'exfilguard lockouts topic record',
      ...componentSchema(lockoutRecordSchema),
    },
    AuditRecord: {
      title: 'exfilguard admin API audit record',
      ...componentSchema(auditRecordSchema),
    },
    LockoutKey: {
      type: 'string',
      pattern: LOCKOUT_KEY_PATTERN,
      description:
        '`rule/mode/scope:subject`, e.g. `sequential-id-scan/enforce/ip:203.0.113.7`; the ' +
        'subject may hold `/` and `:` (an IPv6 prefix, a user name).',
      examples: [
        'sequential-id-scan/enforce/ip:203.0.113.7',
        'slow-id-scan/shadow/ip:2001:db8:1:2::/64',
      ],
    },
  };
}

/** The AsyncAPI document of the topics, as plain data. */
export function asyncApiDocument(): Record<string, unknown> {
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'exfilguard',
      version: PACKAGE_VERSION,
      description:
        'Detects bulk data exfiltration in access logs streamed through Kafka and locks the ' +
        'actor out: access events in, lockouts and dead letters out. Topic names are the ' +
        'defaults; each is set by an EXFILGUARD_* variable.',
      license: { name: 'Apache-2.0' },
    },
    channels: channels(),
    operations: operations(),
    components: {
      messages: {
        accessEvent: accessEventMessage,
        ...lockoutMessages,
        deadLetter: deadLetterMessage(),
        auditRecord: {
          name: 'AuditRecord',
          title: 'Audit record',
          summary: 'A lockout added or lifted, or a refused call, by whom and why.',
          contentType: 'application/json',
          payload: ref('components/schemas/AuditRecord'),
        },
      },
      schemas: schemas(),
    },
  };
}

/** schemas/asyncapi.yaml as `npm run schemas` writes it. */
export function asyncApiYaml(): string {
  return stringify(asyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });
}
