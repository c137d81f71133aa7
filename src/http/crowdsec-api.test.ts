import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { lockoutCommand } from '../../test/support/lockouts.js';
import { Enforcer, type CrowdsecDecision } from '../enforce/index.js';
import { EnforcerMetrics } from '../enforcer-metrics.js';
import { createLogger } from '../log.js';
import { crowdsecApi, DECISIONS_PATH, STREAM_PATH } from './crowdsec-api.js';
import { buildEnforceApp } from './enforce-app.js';

interface StreamBody {
  new: CrowdsecDecision[];
  deleted: CrowdsecDecision[];
}

const KEY = 'a-bouncer-key-of-some-length';
const OTHER_KEY = 'the-other-bouncers-key';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const lockout = (subject: string, rule: string, ttlSeconds: number) =>
  lockoutCommand(subject, ttlSeconds, { rule });

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

function setup() {
  // Never started: no broker is contacted, the table is filled by hand.
  const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
  const logger = createLogger('silent');
  const enforcer = new Enforcer({ kafka, topic: 'lockouts', logger });
  const metrics = new EnforcerMetrics(enforcer, { processMetrics: false });
  const keys = new Map([
    ['edge', sha256(KEY)],
    ['firewall', sha256(OTHER_KEY)],
  ]);
  const app = buildEnforceApp({
    enforcer,
    metrics,
    plugins: [crowdsecApi(enforcer, keys, logger, metrics)],
  });
  apps.push(app);
  return { app, enforcer, metrics };
}

describe('CrowdSec API authentication', () => {
  it("answers 403 with LAPI's body to a missing or wrong key, and counts it", async () => {
    const { app, metrics } = setup();
    for (const headers of [
      {},
      { 'x-api-key': '' },
      { 'x-api-key': 'wrong' },
      { 'x-api-key': sha256(KEY) },
    ]) {
      for (const url of [`${STREAM_PATH}?startup=true`, `${DECISIONS_PATH}?ip=192.0.2.1`]) {
        const reply = await app.inject({ url, headers });
        expect(reply.statusCode).toBe(403);
        expect(reply.json<unknown>()).toEqual({ message: 'access forbidden' });
      }
    }
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'exfilguard_enforce_bouncer_pulls_total{bouncer="",outcome="forbidden"} 8',
    );
  });

  it('tells bouncers apart by their key and keeps a stream position for each', async () => {
    const { app, enforcer, metrics } = setup();
    enforcer.table.applyLockout(lockout('192.0.2.1', 'sequential-id-scan', 3600), Date.now());
    const pull = (key: string, startup: boolean) =>
      app.inject({
        url: `${STREAM_PATH}${startup ? '?startup=true' : ''}`,
        headers: { 'x-api-key': key },
      });
    expect((await pull(KEY, true)).json<StreamBody>().new).toHaveLength(1);
    expect((await pull(KEY, false)).json<StreamBody>().new).toEqual([]);
    // The other bouncer's first pull is a full answer, whatever it asks.
    expect((await pull(OTHER_KEY, false)).json<StreamBody>().new).toHaveLength(1);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'exfilguard_enforce_bouncer_pulls_total{bouncer="edge",outcome="startup"} 1',
    );
    expect(text).toContain(
      'exfilguard_enforce_bouncer_pulls_total{bouncer="edge",outcome="delta"} 1',
    );
    expect(text).toContain(
      'exfilguard_enforce_bouncer_pulls_total{bouncer="firewall",outcome="startup"} 1',
    );
  });
});

describe('GET /v1/decisions/stream', () => {
  it("answers startup with LAPI's shape, then the release as deleted", async () => {
    const { app, enforcer } = setup();
    enforcer.table.applyLockout(lockout('192.0.2.7', 'sequential-id-scan', 3600), Date.now());
    enforcer.table.applyLockout(lockout('2001:db8:1:2::/64', 'slow-id-scan', 10_800), Date.now());
    const headers = { 'x-api-key': KEY };
    const startup = await app.inject({ url: `${STREAM_PATH}?startup=true`, headers });
    expect(startup.statusCode).toBe(200);
    expect(startup.headers['content-type']).toMatch(/^application\/json/);
    const body = startup.json<StreamBody>();
    expect(Object.keys(body).sort()).toEqual(['deleted', 'new']);
    expect(body.deleted).toEqual([]);
    expect(body.new).toEqual([
      expect.objectContaining({
        scope: 'Ip',
        value: '192.0.2.7',
        type: 'ban',
        origin: 'exfilguard',
        scenario: 'exfilguard/sequential-id-scan',
      }),
      expect.objectContaining({
        scope: 'Range',
        value: '2001:db8:1:2::/64',
        scenario: 'exfilguard/slow-id-scan',
      }),
    ]);
    expect(body.new[0]!.duration).toMatch(/^(1h0m0s|59m59s)$/);
    expect(typeof body.new[0]!.id).toBe('number');

    enforcer.table.remove({
      scope: 'ip',
      subject: '192.0.2.7',
      rule: 'sequential-id-scan',
      mode: 'enforce',
    });
    const delta = (await app.inject({ url: STREAM_PATH, headers })).json<StreamBody>();
    expect(delta.new).toEqual([]);
    expect(delta.deleted).toEqual([
      expect.objectContaining({ id: body.new[0]!.id, value: '192.0.2.7' }),
    ]);
  });

  it('honours scopes, origins and scenario filters as LAPI does', async () => {
    const { app, enforcer } = setup();
    enforcer.table.applyLockout(lockout('192.0.2.8', 'sequential-id-scan', 600), Date.now());
    enforcer.table.applyLockout(lockout('2001:db8:9::/64', 'slow-id-scan', 600), Date.now());
    const values = async (query: string) =>
      (
        (
          await app.inject({
            url: `${STREAM_PATH}?startup=true&${query}`,
            headers: { 'x-api-key': KEY },
          })
        ).json<StreamBody>().new as { value: string }[]
      ).map((d) => d.value);
    expect(await values('scopes=Range')).toEqual(['2001:db8:9::/64']);
    expect(await values('scopes=ip')).toEqual(['192.0.2.8']);
    expect(await values('scopes=ip,range')).toHaveLength(2);
    expect(await values('scopes=country')).toEqual([]);
    expect(await values('origins=crowdsec,cscli')).toEqual([]);
    expect(await values('origins=exfilguard')).toHaveLength(2);
    expect(await values('scenarios_containing=SLOW')).toEqual(['2001:db8:9::/64']);
    expect(await values('scenarios_not_containing=slow')).toEqual(['192.0.2.8']);
    expect(await values('scenarios_containing=&scenarios_not_containing=')).toHaveLength(2);
  });

  it('does not count a HEAD as a pull', async () => {
    const { app, enforcer } = setup();
    const headers = { 'x-api-key': KEY };
    await app.inject({ url: `${STREAM_PATH}?startup=true`, headers });
    enforcer.table.applyLockout(lockout('192.0.2.11', 'sequential-id-scan', 600), Date.now());
    const head = await app.inject({ method: 'HEAD', url: STREAM_PATH, headers });
    expect(head.statusCode).toBe(200);
    expect((await app.inject({ url: STREAM_PATH, headers })).json<StreamBody>().new).toHaveLength(
      1,
    );
  });

  it('gzips a large answer when asked, and only then', async () => {
    const { app, enforcer } = setup();
    for (let i = 0; i < 50; i++) {
      enforcer.table.applyLockout(
        lockout(`198.51.100.${i}`, 'sequential-id-scan', 600),
        Date.now(),
      );
    }
    const url = `${STREAM_PATH}?startup=true`;
    const zipped = await app.inject({
      url,
      headers: { 'x-api-key': KEY, 'accept-encoding': 'gzip' },
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect((JSON.parse(gunzipSync(zipped.rawPayload).toString()) as StreamBody).new).toHaveLength(
      50,
    );
    const plain = await app.inject({ url, headers: { 'x-api-key': OTHER_KEY } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.json<StreamBody>().new).toHaveLength(50);
  });
});

describe('GET /v1/decisions', () => {
  it('answers the decisions covering an address, a /64 Range included, or null', async () => {
    const { app, enforcer } = setup();
    enforcer.table.applyLockout(lockout('2001:db8:1:2::/64', 'slow-id-scan', 600), Date.now());
    enforcer.table.applyLockout(lockout('192.0.2.12', 'sequential-id-scan', 600), Date.now());
    const get = (query: string) =>
      app.inject({ url: `${DECISIONS_PATH}?${query}`, headers: { 'x-api-key': KEY } });

    const inside = await get('ip=2001:db8:1:2:aaaa::1');
    expect(inside.statusCode).toBe(200);
    expect(inside.json<unknown>()).toEqual([
      expect.objectContaining({ scope: 'Range', value: '2001:db8:1:2::/64' }),
    ]);
    expect((await get('ip=::ffff:192.0.2.12')).json<unknown>()).toEqual([
      expect.objectContaining({ scope: 'Ip', value: '192.0.2.12' }),
    ]);
    expect((await get('range=2001:db8:1:2::/64')).json<unknown[]>()).toHaveLength(1);

    const outside = await get('ip=2001:db8:1:3::1');
    expect(outside.statusCode).toBe(200);
    expect(outside.body).toBe('null');
    expect((await get('ip=192.0.2.13')).body).toBe('null');
    expect((await get('ip=192.0.2.12&scopes=range')).body).toBe('null');
    expect((await get('')).json<unknown[]>()).toHaveLength(2);
    expect((await get('ip=not-an-address')).statusCode).toBe(400);
  });
});
