// The part of CrowdSec's Local API that bouncers call, on `exfilguard enforce`'s port:
// `GET /v1/decisions/stream` (stream mode: `startup=true` first, then deltas) and
// `GET /v1/decisions?ip=…` (live mode), answering with the address lockouts as
// decisions (enforce/crowdsec.ts). Shapes, status codes and filters follow crowdsec's
// pkg/apiserver (controllers/v1/decisions.go, middlewares/v1/api_key.go,
// database/decisionfilter.go), so bouncers work unchanged.
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  canonicalAddress,
  DecisionStream,
  rangeSubjectKeys,
  type CrowdsecDecision,
  type Enforcer,
} from '../enforce/index.js';
import type { EnforcerMetrics } from '../enforcer-metrics.js';
import type { Logger } from '../log.js';
import { HashedSecrets } from '../vocabulary/hashed-secrets.js';

export const STREAM_PATH = '/v1/decisions/stream';
export const DECISIONS_PATH = '/v1/decisions';

/** LAPI's answer to a missing or unknown key (middlewares/v1/api_key.go). */
const FORBIDDEN = { message: 'access forbidden' };
/** Below this, gzip costs more than it saves. */
const GZIP_MIN_BYTES = 1024;

type Query = Record<string, string | string[] | undefined>;

/**
 * The plugin for buildEnforceApp. `bouncerKeys`: bouncer name → SHA-256 (hex) of its
 * API key, from configuration; only those names ever label metrics or state.
 */
export function crowdsecApi(
  enforcer: Enforcer,
  bouncerKeys: ReadonlyMap<string, string>,
  logger: Logger,
  metrics?: EnforcerMetrics,
): (app: FastifyInstance) => void {
  const keys = new HashedSecrets([...bouncerKeys].map(([name, hash]) => ({ hash, value: name })));
  const stream = new DecisionStream(enforcer.table);
  metrics?.initBouncers([...bouncerKeys.keys()]);

  /** The bouncer whose key was presented, or undefined (then 403 as LAPI answers). */
  const authenticate = (request: FastifyRequest, reply: FastifyReply): string | undefined => {
    const presented = request.headers['x-api-key'];
    // Matched in constant time against every configured hash (HashedSecrets).
    const name =
      typeof presented === 'string' && presented.length > 0 ? keys.find(presented) : undefined;
    if (name === undefined) {
      metrics?.countBouncerPull('', 'forbidden');
      void reply.code(403).send(FORBIDDEN);
    }
    return name;
  };

  return (app) => {
    app.get(STREAM_PATH, async (request, reply) => {
      const bouncer = authenticate(request, reply);
      if (bouncer === undefined) return reply;
      // LAPI answers HEAD without a body and without counting it as a pull.
      if (request.method === 'HEAD') return reply.code(200).send();
      const query = request.query as Query;
      const answer = stream.pull(bouncer, first(query.startup) === 'true', decisionFilter(query));
      metrics?.countBouncerPull(bouncer, answer.kind);
      const log = answer.kind === 'delta' ? logger.debug.bind(logger) : logger.info.bind(logger);
      log(
        { bouncer, kind: answer.kind, new: answer.new.length, deleted: answer.deleted.length },
        'bouncer pulled the decision stream',
      );
      // The bouncer's position moves only once the answer has been handed over whole.
      reply.raw.once('finish', answer.delivered);
      return sendJson(request, reply, { new: answer.new, deleted: answer.deleted });
    });

    app.get(DECISIONS_PATH, async (request, reply) => {
      const bouncer = authenticate(request, reply);
      if (bouncer === undefined) return reply;
      const query = request.query as Query;
      if (first(query.contains) === 'false') {
        return reply.code(400).send({ message: 'contains=false is not supported' });
      }
      const subjectKeys = lookupKeys(enforcer, query);
      if (subjectKeys === undefined) {
        return reply.code(400).send({ message: 'invalid ip or range' });
      }
      if (request.method === 'HEAD') return reply.code(200).send();
      const keep = decisionFilter(query, false);
      const found = (
        subjectKeys === 'all' ? stream.all() : stream.decisionsFor(subjectKeys)
      ).filter(keep);
      // LAPI marshals an empty result as `null` (a nil Go slice), and bouncers expect it.
      return sendJson(request, reply, found.length > 0 ? found : null);
    });
  };
}

/** The subject keys `ip=` or `range=` asks about; `all` without either; undefined if invalid. */
function lookupKeys(enforcer: Enforcer, query: Query): readonly string[] | 'all' | undefined {
  const ip = first(query.ip);
  const range = first(query.range);
  const lengths = enforcer.table.ipv6PrefixLengths;
  if (ip !== undefined) {
    const address = canonicalAddress(ip);
    if (address === undefined) return undefined;
    return enforcer.identity.subjectKeys({ ip: address }, lengths);
  }
  if (range !== undefined) return rangeSubjectKeys(range, lengths);
  return 'all';
}

/**
 * The filters bouncers send, as LAPI applies them (database/decisionfilter.go):
 * `scopes` (comma list, case-insensitive; the stream defaults to `ip,range`), `origins`
 * (comma list), `scenarios_containing` / `scenarios_not_containing` (comma lists,
 * case-insensitive substrings), `type`, `value`. An empty parameter filters nothing.
 */
function decisionFilter(query: Query, stream = true): (decision: CrowdsecDecision) => boolean {
  const scopes = list(query.scopes ?? query.scope, true) ?? (stream ? ['ip', 'range'] : undefined);
  const origins = list(query.origins, false);
  const containing = list(query.scenarios_containing, true);
  const notContaining = list(query.scenarios_not_containing, true);
  const type = first(query.type);
  const value = first(query.value);
  return (decision) => {
    const scenario = decision.scenario.toLowerCase();
    return (
      (scopes === undefined || scopes.includes(decision.scope.toLowerCase())) &&
      (origins === undefined || origins.includes(decision.origin)) &&
      (containing === undefined || containing.some((part) => scenario.includes(part))) &&
      (notContaining === undefined || !notContaining.some((part) => scenario.includes(part))) &&
      (type === undefined || type === '' || decision.type === type) &&
      (value === undefined || value === '' || decision.value === value)
    );
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function list(value: string | string[] | undefined, lowerCase: boolean): string[] | undefined {
  const text = first(value);
  if (text === undefined || text === '') return undefined;
  const items = text.split(',').map((item) => item.trim());
  return lowerCase ? items.map((item) => item.toLowerCase()) : items;
}

/** JSON, gzipped when the client accepts it and the body is worth it (Go's client does). */
function sendJson(request: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const json = JSON.stringify(body);
  reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
  const accepts = request.headers['accept-encoding'];
  if (json.length >= GZIP_MIN_BYTES && typeof accepts === 'string' && /\bgzip\b/i.test(accepts)) {
    return reply.header('content-encoding', 'gzip').send(gzipSync(json));
  }
  return reply.send(json);
}
