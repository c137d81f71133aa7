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
import { ensureKafkaJars } from './jars.js';
import {
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
}

function serverProperties(port: number, controllerPort: number, dataDir: string): string {
  return `# Written by scripts/kafka/local-kafka.ts: one node, loopback only, for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
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
`;
}

export class LocalKafka {
  private process: ServiceProcess | undefined;
  /** Milliseconds the last start took, from spawning the JVM to the broker serving. */
  lastStartMs = 0;

  private constructor(
    readonly port: number,
    private readonly controllerPort: number,
    readonly dataDir: string,
    private readonly jarsDir: string,
    private readonly options: Required<LocalKafkaOptions>,
  ) {}

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /** Fetches the jars if needed, formats a fresh KRaft storage folder and starts the broker. */
  static async start(options: LocalKafkaOptions = {}): Promise<LocalKafka> {
    const jarsDir = await ensureKafkaJars();
    const dataDir = await mkdtemp(join(tmpdir(), 'exfilguard-kafka-'));
    const [port, controllerPort] = [await freePort(), await freePort()];
    const kafka = new LocalKafka(port, controllerPort, dataDir, jarsDir, {
      heapMb: options.heapMb ?? 512,
      startTimeoutMs: options.startTimeoutMs ?? 90_000,
    });
    await writeFile(kafka.propertiesFile, serverProperties(port, controllerPort, dataDir));
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
    return new Promise((resolve, reject) => {
      const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', (error) => reject(new Error(`Could not run java: ${error.message}`)));
      child.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`Formatting Kafka storage failed (exit ${code}):\n${output}`)),
      );
    });
  }

  /** Starts the broker on its port and data (again, after `pause`) and waits until it serves. */
  async resume(): Promise<void> {
    if (this.process) return;
    const started = Date.now();
    const service = startServiceProcess(
      'java',
      this.javaArgs('kafka.Kafka', this.propertiesFile),
      join(this.dataDir, 'broker.log'),
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

async function runFromCommandLine(): Promise<void> {
  const kafka = await LocalKafka.start();
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
