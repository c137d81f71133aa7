// The Docker stack without a Docker engine: docker-compose (v1, Debian's package)
// validates docker-compose.yml and resolves it; then what no schema knows: images
// present, mounted paths in the repository, the detector's and the simulator's
// environment accepted by src/config.ts, the simulator's arguments parsed, ports on
// loopback only, the Prometheus and Grafana files pointing at services that exist,
// and a Dockerfile whose image runs as non-root with health checks that really work.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSimulateArgs } from '../../src/commands/simulate-command.js';
import { loadConfig, loadEnforceConfig, loadKafkaConfig } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; interval?: string; timeout?: string };
}

/** The file as Compose resolves it: defaults interpolated, paths made absolute. */
function resolvedCompose(): Record<string, Service> {
  // Only PATH: the developer's own EXFILGUARD_KEY_SECRET must not change what is checked.
  const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
  if (result.error) {
    throw new Error(
      `docker-compose is needed to validate docker-compose.yml without a Docker engine ` +
        `(${result.error.message}); Debian: apt-get install docker-compose`,
    );
  }
  if (result.status !== 0) throw new Error(`docker-compose refused the file:\n${result.stderr}`);
  return (parse(result.stdout) as { services: Record<string, Service> }).services;
}

const env = (service: Service) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));

/** host path → container path, for the bind mounts of a service. */
function mounts(service: Service): { host: string; container: string }[] {
  return (service.volumes ?? []).map((volume) => {
    const [host, container] = volume.split(':');
    return { host: host!, container: container! };
  });
}

/** The host file behind a path inside a container, through the service's mounts. */
function hostPathOf(service: Service, containerPath: string): string | undefined {
  for (const { host, container } of mounts(service)) {
    if (containerPath === container) return host;
    if (containerPath.startsWith(`${container}/`))
      return host + containerPath.slice(container.length);
  }
  return undefined;
}

/** Runs a health check command (`node -e …`) with the given environment; its exit code. */
function probe(test: readonly string[], extraEnv: Record<string, string>): Promise<number | null> {
  const [kind, command, ...args] = test;
  expect(kind).toBe('CMD');
  expect(command).toBe('node');
  const child = spawn(process.execPath, args, { env: { ...extraEnv }, stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', resolve));
}

/** A stand-in for the detector's HTTP server: /healthz 200, /readyz as `ready` says. */
async function fakeDetector(): Promise<{ port: number; ready: { value: boolean }; close(): void }> {
  const ready = { value: false };
  const server = createServer((request, response) => {
    const ok = request.url === '/healthz' || (request.url === '/readyz' && ready.value);
    response.writeHead(ok ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, ready, close: () => server.close() };
}

describe('docker-compose.yml', () => {
  let services: Record<string, Service>;
  beforeAll(() => {
    services = resolvedCompose();
  });

  it('is valid Compose and holds the whole stack, each service with an image or a build', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['enforce', 'exfilguard', 'grafana', 'kafka', 'prometheus', 'redis', 'simulator'].sort(),
    );
    for (const [name, service] of Object.entries(services)) {
      expect(service.image ?? service.build, name).toBeDefined();
      if (service.build) {
        expect(
          existsSync(`${service.build.context}/${service.build.dockerfile ?? 'Dockerfile'}`),
          name,
        ).toBe(true);
      }
    }
  });

  it('publishes every port on 127.0.0.1 only, and keeps the test ports of Kafka and Redis', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+(\/tcp)?$/);
    expect(services.kafka!.ports).toContain('127.0.0.1:9092:9092/tcp');
    expect(services.redis!.ports).toContain('127.0.0.1:6380:6379/tcp');
  });

  it('mounts only files and folders of the repository, read-only, that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const { host } of mounts(service)) {
        expect(host.startsWith(`${ROOT}/`), `${name}: ${host}`).toBe(true);
        expect(existsSync(host), `${name}: ${host} does not exist`).toBe(true);
      }
      for (const volume of service.volumes ?? []) expect(volume, name).toMatch(/:ro$/);
    }
  });

  it('waits only on services with a health check, whose durations Compose understands', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        if (condition === 'service_healthy') {
          expect(services[target]!.healthcheck?.test, `${name} waits on ${target}`).toBeDefined();
        }
      }
      const { interval, timeout } = service.healthcheck ?? {};
      for (const duration of [interval, timeout].filter((d) => d !== undefined)) {
        expect(duration, name).toMatch(/^\d+(ms|s|m|h)$/);
      }
    }
  });

  it('gives the detector an environment that `exfilguard run` accepts, pointing at the stack', () => {
    const config = loadConfig(env(services.exfilguard!));
    // Containers use Kafka's in-network listener, which the broker must advertise.
    const advertised = String(services.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS);
    for (const broker of config.kafka.brokers) {
      expect(Object.keys(services), `${broker}: not a service of the stack`).toContain(
        broker.split(':')[0],
      );
      expect(advertised).toContain(`//${broker}`);
    }
    expect(new URL(config.redis.url!).host).toBe('redis:6379');
    expect(services.exfilguard!.ports).toContain(
      `127.0.0.1:${config.http.port}:${config.http.port}/tcp`,
    );
  });

  it('runs the simulator with arguments it parses, on the detector’s brokers and input topic', () => {
    const simulator = services.simulator!;
    expect(simulator.image).toBe(services.exfilguard!.image);
    const [command, ...args] = simulator.command!;
    expect(command).toBe('simulate');
    expect(parseSimulateArgs(args)).toMatchObject({ out: 'kafka', attackEveryMs: 180_000 });
    const kafka = loadKafkaConfig(env(simulator));
    const detector = loadConfig(env(services.exfilguard!));
    expect(kafka.kafka.brokers).toEqual(detector.kafka.brokers);
    expect(kafka.topics.input).toBe(detector.topics.input);
    // `disable: true`, as Compose writes it: the image's /healthz check would fail.
    expect(simulator.healthcheck?.test).toEqual(['NONE']);
  });

  it('gives the enforcer an environment that `exfilguard enforce` accepts, on the detector’s lockouts', () => {
    const enforce = services.enforce!;
    expect(enforce.image).toBe(services.exfilguard!.image);
    expect(enforce.command).toEqual(['enforce']);
    const config = loadEnforceConfig(env(enforce));
    const detector = loadConfig(env(services.exfilguard!));
    expect(config.kafka.brokers).toEqual(detector.kafka.brokers);
    expect(config.lockoutTopic).toBe(detector.topics.lockouts);
    // Prometheus reaches it from another container: not on loopback only.
    expect(config.http.host).toBe('0.0.0.0');
    expect(enforce.ports).toContain(`127.0.0.1:${config.http.port}:${config.http.port}/tcp`);
  });

  it('has Prometheus scrape the detector and load the alert rules it mounts', () => {
    const prometheus = services.prometheus!;
    const configPath = '/etc/prometheus/prometheus.yml';
    expect(prometheus.command).toContain(`--config.file=${configPath}`);
    const config = parse(readFileSync(hostPathOf(prometheus, configPath)!, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    for (const file of config.rule_files) {
      const host = hostPathOf(prometheus, `/etc/prometheus/${file}`);
      expect(host && existsSync(host), `rule file ${file} is not mounted`).toBe(true);
    }
    const targets = config.scrape_configs.flatMap((s) =>
      s.static_configs.flatMap((c) => c.targets),
    );
    const port = loadConfig(env(services.exfilguard!)).http.port;
    expect(targets).toContain(`exfilguard:${port}`);
    const enforcePort = loadEnforceConfig(env(services.enforce!)).http.port;
    expect(targets).toContain(`enforce:${enforcePort}`);
  });

  it('has Grafana read the provisioned datasource and dashboards from its mounts', () => {
    const grafana = services.grafana!;
    const provisioning = hostPathOf(grafana, '/etc/grafana/provisioning')!;
    const datasources = parse(
      readFileSync(`${provisioning}/datasources/prometheus.yml`, 'utf8'),
    ) as { datasources: { url: string }[] };
    expect(datasources.datasources.map((d) => d.url)).toContain('http://prometheus:9090');
    expect(services.prometheus!.ports).toContain('127.0.0.1:9090:9090/tcp');
    const providers = parse(readFileSync(`${provisioning}/dashboards/exfilguard.yml`, 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    for (const { options } of providers.providers) {
      const host = hostPathOf(grafana, options.path);
      expect(host && statSync(host).isDirectory(), `${options.path} is not mounted`).toBe(true);
    }
    const home = String(grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH);
    expect(existsSync(hostPathOf(grafana, home) ?? ''), home).toBe(true);
    expect(grafana.environment).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
    });
  });

  it.each([
    ['exfilguard', 'EXFILGUARD_HTTP_PORT'],
    ['enforce', 'EXFILGUARD_ENFORCE_PORT'],
  ])('checks the readiness of %s with a command that works', async (name, portVariable) => {
    const detector = await fakeDetector();
    try {
      const test = services[name]!.healthcheck!.test!;
      const port = { [portVariable]: String(detector.port) };
      expect(await probe(test, port)).toBe(1);
      detector.ready.value = true;
      expect(await probe(test, port)).toBe(0);
    } finally {
      detector.close();
    }
  });
});

describe('Dockerfile', () => {
  const lines = readFileSync(`${ROOT}/Dockerfile`, 'utf8')
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
  const finalStage = lines.slice(lines.findLastIndex((line) => line.startsWith('FROM ')));
  const instruction = (name: string) =>
    finalStage
      .filter((line) => line.startsWith(`${name} `))
      .map((line) => line.slice(name.length + 1));

  it('runs the CLI of package.json as a non-root user, `run` by default, port as configured', () => {
    const user = instruction('USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user!.split(':')[0]);
    const bin = (
      JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { bin: Record<string, string> }
    ).bin;
    expect(JSON.parse(instruction('ENTRYPOINT')[0]!)).toEqual(['node', bin.exfilguard]);
    expect(JSON.parse(instruction('CMD')[0]!)).toEqual(['run']);
    expect(instruction('EXPOSE')).toEqual(['9477']);
  });

  it('ships production dependencies only, with the rules and package.json the CLI looks for', () => {
    expect(instruction('RUN').some((run) => run.includes('npm ci --omit=dev'))).toBe(true);
    const copies = instruction('COPY').join('\n');
    expect(copies).toMatch(/^rules /m);
    expect(copies).toMatch(/^package\.json /m);
    expect(copies).toMatch(/^--from=build \S+\/dist\/src /m);
  });

  it('sends the builder every file it copies, and nothing else (.dockerignore)', () => {
    const ignore = readFileSync(`${ROOT}/.dockerignore`, 'utf8').split('\n');
    expect(ignore).toContain('*');
    const admitted = ignore
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = lines
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.slice(5).split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(admitted, source).toContain(source);
  });

  it('has a health check on /healthz that works on Node 20 without curl', async () => {
    const healthcheck = instruction('HEALTHCHECK')[0]!;
    const test = [
      'CMD',
      ...(JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[]),
    ];
    const detector = await fakeDetector();
    try {
      expect(await probe(test, { EXFILGUARD_HTTP_PORT: String(detector.port) })).toBe(0);
    } finally {
      detector.close();
    }
    // Nobody listening on the port: unhealthy.
    expect(await probe(test, { EXFILGUARD_HTTP_PORT: String(detector.port) })).toBe(1);
  });
});
