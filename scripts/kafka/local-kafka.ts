// A real single-node Kafka broker (KRaft, broker and controller in one JVM) on
// 127.0.0.1, run from Maven Central's jars: the broker tests use where no Docker
// engine exists. Facts behind the settings: ../../../shared/notes/local-kafka.md.
//
//   npm run kafka:local       starts one and keeps it until Ctrl-C
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureKafkaJars, kafkaJarsCached } from './jars.js';
import {
  findOnPath,
  freePort,
  portAccepts,
  startServiceProcess,
  stopServiceProcess,
  waitUntilReady,
  type ServiceProcess,
} from '../lib/service-process.js';

const LOG4J_CONFIG = fileURLToPath(new URL('./log4j.properties', import.meta.url));

export interface LocalKafkaOptions {
  /** JVM heap in MiB; the broker's defaults are sized for servers, not test runs. */
  heapMb?: number;
  /** How long to wait for the broker to serve; two busy cores can take tens of seconds. */
  startTimeoutMs?: number;
  /**
   * Also a SASL_SSL listener (TLS with a self-signed certificate for 127.0.0.1, SASL
   * PLAIN with this one user), as a production cluster would require of clients.
   */
  secured?: { username: string; password: string };
  /** The JVM in a process group of its own (service-process.ts: the demo stops it itself). */
  ownProcessGroup?: boolean;
  /** The client port (PLAINTEXT, loopback); a free one by default. */
  port?: number;
}

/** The SASL_SSL listener of a secured broker. */
export interface SecuredListener {
  readonly brokers: string[];
  /** PEM of the broker's self-signed certificate: the CA a client must trust. */
  readonly caFile: string;
}

interface SecuredProperties {
  readonly port: number;
  readonly keystore: string;
  readonly storePassword: string;
  readonly username: string;
  readonly password: string;
}

function securedProperties(secured: SecuredProperties): string {
  // A JAAS value is a quoted string in a properties file: no quote or backslash in it.
  const quoted = (text: string) => {
    if (/["\\\n]/.test(text)) throw new Error('secured broker: no quote, backslash or newline');
    return `"${text}"`;
  };
  return `# The SASL_SSL listener: TLS (self-signed, 127.0.0.1) and SASL PLAIN, one user.
ssl.keystore.location=${secured.keystore}
ssl.keystore.type=PKCS12
ssl.keystore.password=${secured.storePassword}
ssl.key.password=${secured.storePassword}
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${secured.username}=${quoted(secured.password)};
`;
}

function serverProperties(
  port: number,
  controllerPort: number,
  dataDir: string,
  secured?: SecuredProperties,
): string {
  const sasl = secured ? `,SASL_SSL://127.0.0.1:${secured.port}` : '';
  return `# Written by scripts/kafka/local-kafka.ts: one node, loopback only, for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${sasl}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}${sasl}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${join(dataDir, 'logs')}
# One replica everywhere, or consumer groups never find a coordinator (kafkajs #1752).
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
# Tests create their topics explicitly; a typo must fail, not create a topic.
auto.create.topics.enable=false
num.partitions=1
# Speed: no delay before the first rebalance; short session timeouts are allowed.
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
# Small footprint on a 2-core machine.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=33554432
# The log cleaner wakes every log.cleaner.backoff.ms when it has nothing to clean
# (default 15 s): short here so a test that forces compaction of a compacted topic
# (lockouts-compaction.test.ts) sees it within a second instead of a quarter minute.
log.cleaner.backoff.ms=500
${secured ? securedProperties(secured) : ''}`;
}

/** The commands a local broker needs that are not on PATH: java, and mvn until the jars are fetched. */
export async function missingForLocalKafka(
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const missing: string[] = [];
  if (!findOnPath('java', env)) missing.push('java');
  if (!(await kafkaJarsCached(env)) && !findOnPath('mvn', env)) missing.push('mvn');
  return missing;
}

export class LocalKafka {
  private process: ServiceProcess | undefined;
  /** Milliseconds the last start took, from spawning the JVM to the broker serving. */
  lastStartMs = 0;
  /** Set when started with `secured`. */
  secured: SecuredListener | undefined;

  private constructor(
    readonly port: number,
    readonly controllerPort: number,
    readonly dataDir: string,
    private readonly jarsDir: string,
    private readonly options: Required<Omit<LocalKafkaOptions, 'secured' | 'port'>>,
  ) {}

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /** The JVM's process id while it runs. */
  get pid(): number | undefined {
    return this.process?.child.pid;
  }

  /** Fetches the jars if needed, formats a fresh KRaft storage folder and starts the broker. */
  static async start(options: LocalKafkaOptions = {}): Promise<LocalKafka> {
    const jarsDir = await ensureKafkaJars();
    const dataDir = await mkdtemp(join(tmpdir(), 'exfilguard-kafka-'));
    const [port, controllerPort] = [options.port ?? (await freePort()), await freePort()];
    const kafka = new LocalKafka(port, controllerPort, dataDir, jarsDir, {
      heapMb: options.heapMb ?? 512,
      startTimeoutMs: options.startTimeoutMs ?? 90_000,
      ownProcessGroup: options.ownProcessGroup ?? false,
    });
    let secured: SecuredProperties | undefined;
    if (options.secured) {
      const securedPort = await freePort();
      const storePassword = randomBytes(12).toString('hex');
      const { keystore, caFile } = await selfSignedKeystore(dataDir, storePassword);
      secured = { port: securedPort, keystore, storePassword, ...options.secured };
      kafka.secured = { brokers: [`127.0.0.1:${securedPort}`], caFile };
    }
    await writeFile(kafka.propertiesFile, serverProperties(port, controllerPort, dataDir, secured));
    await kafka.formatStorage();
    await kafka.resume();
    return kafka;
  }

  private get propertiesFile(): string {
    return join(this.dataDir, 'server.properties');
  }

  private javaArgs(mainClass: string, ...args: string[]): string[] {
    return [
      `-Xms${Math.min(256, this.options.heapMb)}m`,
      `-Xmx${this.options.heapMb}m`,
      // The garbage collector settings Kafka's own start scripts use (kafka-run-class.sh):
      // short G1 pauses, which a broker sharing two cores with Redis and the detector needs.
      '-server',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:InitiatingHeapOccupancyPercent=35',
      '-XX:+ExplicitGCInvokesConcurrent',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${LOG4J_CONFIG}`,
      '-cp',
      join(this.jarsDir, '*'),
      mainClass,
      ...args,
    ];
  }

  private formatStorage(): Promise<void> {
    // A KRaft cluster id is 16 random bytes in URL-safe base64 (22 characters).
    // Passed as `--cluster-id=…`: an id starting with "-" (1 in 64) would read as a flag.
    const clusterId = randomBytes(16).toString('base64url');
    const args = this.javaArgs('kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`);
    args.push('-c', this.propertiesFile, '--ignore-formatted');
    return runTool('java', args, 'Formatting Kafka storage');
  }

  /** Starts the broker on its port and data (again, after `pause`) and waits until it serves. */
  async resume(): Promise<void> {
    if (this.process) return;
    const started = Date.now();
    const service = startServiceProcess(
      'java',
      this.javaArgs('kafka.Kafka', this.propertiesFile),
      join(this.dataDir, 'broker.log'),
      { ownProcessGroup: this.options.ownProcessGroup },
    );
    this.process = service;
    // The PLAINTEXT port opens only once the broker is unfenced and serving;
    // the controller port opens earlier and says nothing about readiness.
    await waitUntilReady(
      'Kafka broker',
      service,
      () => portAccepts(this.port),
      this.options.startTimeoutMs,
    ).catch((error: unknown) => {
      this.process = undefined;
      throw error;
    });
    this.lastStartMs = Date.now() - started;
  }

  /** Stops the broker but keeps its data, so `resume` brings the same cluster back. */
  async pause(): Promise<void> {
    const service = this.process;
    this.process = undefined;
    if (service) await stopServiceProcess(service);
  }

  /** Stops the broker and deletes its data. */
  async stop(): Promise<void> {
    await this.pause();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** A key pair and self-signed certificate for 127.0.0.1 (keytool, from the JDK). */
async function selfSignedKeystore(
  dir: string,
  password: string,
): Promise<{ keystore: string; caFile: string }> {
  const keystore = join(dir, 'broker.p12');
  const caFile = join(dir, 'broker-ca.pem');
  const store = ['-keystore', keystore, '-storetype', 'PKCS12', '-storepass', password];
  await runTool(
    'keytool',
    [
      '-genkeypair',
      ...['-alias', 'broker', '-keyalg', 'RSA', '-keysize', '2048', '-validity', '2'],
      ...['-dname', 'CN=localhost', '-ext', 'SAN=IP:127.0.0.1,DNS:localhost'],
      ...['-keypass', password, ...store],
    ],
    'Making the broker certificate',
  );
  await runTool(
    'keytool',
    ['-exportcert', '-rfc', '-alias', 'broker', ...store, '-file', caFile],
    'Exporting the broker certificate',
  );
  return { keystore, caFile };
}

/** Runs a tool to its end; its output goes into the error when it fails. */
function runTool(command: string, args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => reject(new Error(`Could not run ${command}: ${error.message}`)));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${what} failed (exit ${code}):\n${output}`)),
    );
  });
}

/** `npm run kafka:local [-- --port N]`: a fixed port, for a configuration that names it. */
async function runFromCommandLine(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' } } });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`--port ${values.port}: expected a port number, e.g. --port 9092`);
  }
  if (port !== undefined && (await portAccepts(port))) {
    throw new Error(`--port ${port}: something already listens on 127.0.0.1:${port}`);
  }
  const kafka = await LocalKafka.start(port === undefined ? {} : { port });
  process.stdout.write(
    `Kafka broker serving on ${kafka.brokers.join(',')} (started in ${kafka.lastStartMs} ms). ` +
      `Data and log: ${kafka.dataDir}. Ctrl-C stops it.\n`,
  );
  const shutdown = () => void kafka.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runFromCommandLine().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
