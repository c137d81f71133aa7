import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { asyncApiYaml, LOCKOUT_KEY_PATTERN } from './asyncapi.js';
import { loadKafkaConfig } from './config.js';
import { contractJsonSchema } from './contracts.js';
import { lockoutCommand } from './decide/command.js';
import {
  lockoutKey,
  lockoutRecordSchema,
  parseLockoutKey,
  releaseCommand,
} from './decide/lockout.js';
import { canonicalEventSchema } from './event/index.js';
import { PACKAGE_VERSION } from './package.js';
import { DEAD_LETTER_HEADERS, deadLetterMessage } from './sink/dead-letters.js';

type Node = Record<string, unknown>;

const generated = asyncApiYaml();
const doc = parse(generated) as Node;

/** The node a local `$ref` (`#/a/b`) points at, or undefined. */
function at(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const step of ref.slice(2).split('/')) {
    const key = step.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Node)[key];
  }
  return node;
}

/** Every value of `key` anywhere in the document, with where it stands. */
function everyValueOf(key: string, node: unknown = doc, path = '#'): [string, unknown][] {
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([k, value]) => [
    ...(k === key ? [[path, value] as [string, unknown]] : []),
    ...everyValueOf(key, value, `${path}/${k}`),
  ]);
}

const section = (name: string) => doc[name] as Record<string, Node>;

describe('AsyncAPI document', () => {
  it('schemas/asyncapi.yaml matches the code (run "npm run schemas")', async () => {
    const committed = await readFile(new URL('../schemas/asyncapi.yaml', import.meta.url), 'utf8');
    expect(committed).toBe(generated);
  });

  it('is AsyncAPI 3.0.0 of this package version', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect((doc.info as Node).version).toBe(PACKAGE_VERSION);
  });

  it('resolves every $ref inside the document', () => {
    const refs = everyValueOf('$ref');
    expect(refs.length).toBeGreaterThan(10);
    for (const [where, ref] of refs) {
      expect(typeof ref, where).toBe('string');
      expect(at(ref as string), `${where}: ${String(ref)}`).toBeDefined();
    }
  });

  it("points each operation at a channel and at that channel's own messages", () => {
    const operations = Object.entries(section('operations'));
    expect(operations.map(([name]) => name).sort()).toEqual([
      'receiveAccessEvents',
      'receiveAudit',
      'receiveLockouts',
      'sendAudit',
      'sendDeadLetters',
      'sendLockouts',
      'sendReleases',
    ]);
    for (const [name, operation] of operations) {
      expect(['send', 'receive'], name).toContain(operation.action);
      const channel = (operation.channel as Node).$ref as string;
      expect(channel, name).toMatch(/^#\/channels\/[^/]+$/);
      expect(at(channel), name).toBeDefined();
      const messages = operation.messages as Node[];
      expect(messages.length, name).toBeGreaterThan(0);
      for (const { $ref } of messages) {
        expect($ref, name).toMatch(new RegExp(`^${channel}/messages/[^/]+$`));
        expect(at($ref as string), name).toBeDefined();
      }
    }
  });

  it('names the default topics and the variables that set them', () => {
    const variables = {
      accessLogs: 'input',
      lockouts: 'lockouts',
      deadLetters: 'deadLetters',
      audit: 'audit',
    };
    const defaults = loadKafkaConfig({ EXFILGUARD_KAFKA_BROKERS: 'kafka:9092' }).topics;
    for (const [id, topic] of Object.entries(variables) as [string, keyof typeof defaults][]) {
      const channel = section('channels')[id]!;
      expect(channel.address).toBe(defaults[topic]);
      const variable = /(EXFILGUARD_[A-Z_]+) \(default/.exec(channel.description as string)?.[1];
      const env = { EXFILGUARD_KAFKA_BROKERS: 'kafka:9092', [variable!]: 'elsewhere' };
      expect(loadKafkaConfig(env).topics[topic], id).toBe('elsewhere');
    }
  });

  it('holds the contracts’ JSON Schemas, without zod’s $schema', () => {
    const schemas = (doc.components as Node).schemas as Record<string, Node>;
    const contract = (schema: Parameters<typeof contractJsonSchema>[0]) => {
      const { $schema: _draft, ...json } = contractJsonSchema(schema);
      return json;
    };
    const { title: _record, ...record } = schemas.LockoutRecord!;
    const { title: _event, ...event } = schemas.AccessEvent!;
    expect(record).toEqual(contract(lockoutRecordSchema));
    expect(event).toEqual(contract(canonicalEventSchema));
  });

  it('uses no JSON Schema keyword that draft-07 (AsyncAPI schemas) lacks', () => {
    for (const keyword of ['$schema', '$defs', 'prefixItems', 'dependentSchemas', '$dynamicRef']) {
      expect(everyValueOf(keyword), keyword).toEqual([]);
    }
    expect(generated).not.toMatch(/unevaluated(Properties|Items)/);
  });

  it('describes the lockouts the code publishes: payload and key', () => {
    const lockout = lockoutCommand(
      {
        rule: 'slow-id-scan',
        severity: 'high',
        mode: 'enforce',
        scope: 'ip',
        subject: '2001:db8:1:2::/64',
        eventTs: Date.UTC(2026, 0, 5, 10),
        offence: 2,
        ttlMs: 6 * 3_600_000,
        figures: { ids: 120, route: '/api/users/:id' },
        reason: '120 ids on /api/users/:id in 6h',
      },
      Date.UTC(2026, 0, 5, 10, 0, 1),
    );
    const release = releaseCommand(
      { ...lockout, subject: 'alice:admin/ops', scope: 'user' },
      { releasedBy: 'oncall', reason: 'false positive', ticket: 'SEC-1' },
      Date.UTC(2026, 0, 5, 11),
    );
    const key = at('#/components/schemas/LockoutKey') as Node;
    expect(key.pattern).toBe(LOCKOUT_KEY_PATTERN);
    for (const record of [lockout, release]) {
      expect(lockoutRecordSchema.safeParse(JSON.parse(JSON.stringify(record))).success).toBe(true);
      expect(lockoutKey(record)).toMatch(new RegExp(LOCKOUT_KEY_PATTERN));
      expect(parseLockoutKey(lockoutKey(record))).toBeDefined();
    }
    for (const notOurs of ['ip:203.0.113.7', 'rule/enforce/ip:', 'rule/loud/ip:203.0.113.7']) {
      expect(notOurs).not.toMatch(new RegExp(LOCKOUT_KEY_PATTERN));
      expect(parseLockoutKey(notOurs)).toBeUndefined();
    }
  });

  it('lists the headers a dead letter carries: the required always, all when everything is cut', () => {
    const record = (key: Buffer, value: Buffer, field?: string) => ({
      topic: 'access-logs',
      partition: 3,
      offset: '42',
      key,
      value,
      timestamp: '1764547200000',
      rejection: { code: 'EVENT_INVALID_FIELD' as const, message: 'status: bad', field },
    });
    const headers = (at('#/components/messages/deadLetter/headers') as Node).properties as Node;
    const required = (at('#/components/messages/deadLetter/headers') as Node).required;
    expect(Object.keys(headers)).toEqual(Object.keys(DEAD_LETTER_HEADERS));
    const plain = deadLetterMessage(record(Buffer.from('k'), Buffer.from('v')), 1e6);
    expect(Object.keys(plain.headers!).sort()).toEqual([...(required as string[])].sort());
    const cut = deadLetterMessage(
      record(Buffer.alloc(5000, 'k'), Buffer.alloc(2e6, 'v'), 'status'),
      1_048_588,
    );
    expect(Object.keys(cut.headers!).sort()).toEqual(Object.keys(headers).sort());
  });
});
