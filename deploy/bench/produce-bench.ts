// `kzlab bench produce`: how fast a Kafka client can produce into our brokers, and how long a record takes
// from send() to a consumer.
//
// Three phases, one after the other, so that they do not steal each other's CPU (the machine has 2 cores):
//   ceiling     kafkajs alone: build and frame Produce v7 requests in a loop, no broker (the reference's §1.5
//               "encode only" baseline, re-measured here, now, on this machine's load)
//   throughput  the chosen client keeps `--in-flight` sends of `--batch` records outstanding for `--seconds`
//               (after a warm-up): records/s, MB/s of values, and each send's latency (send → acknowledged)
//   end-to-end  a steady `--e2e-rate` records/s while a consumer (our client, assign(), no group) reads the
//               topic: produce latency and end-to-end latency (send → the consumer has the record)
// The verdict compares throughput with the ceiling: with one broker and RF=1 the target is ≥ 90 %, i.e. the
// broker is never what limits kafkajs.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

import { Admin, Consumer, Producer } from '../../client/index.ts';
import { formatFlagHelp, parseFlags, UsageError, type FlagSpecs } from '../cli/flags.ts';
import { LatencyHistogram, type LatencySummaryMs } from './histogram.ts';
import { processTreeCpuSeconds } from './proc-cpu.ts';
import { writeTextFile } from './quorum-bench.ts';
import { fmtMs, fmtRate } from './zk-bench.ts';

export const PRODUCE_CLIENTS = ['kafkajs', 'kzlab'] as const;
export type ProduceClient = (typeof PRODUCE_CLIENTS)[number];

export const PRODUCE_BENCH_FLAGS = {
  bootstrap: {
    type: 'string',
    valueName: 'HOST:PORT[,…]',
    description: 'brokers to bootstrap from (required)',
  },
  client: { type: 'string', default: 'kafkajs', valueName: 'kafkajs|kzlab', description: 'producer client' },
  'record-size': {
    type: 'number',
    integer: true,
    min: 8,
    max: 1_000_000,
    default: 100,
    description: 'value bytes per record',
  },
  acks: { type: 'string', default: '1', valueName: '1|all', description: 'acks of every produce request' },
  topic: { type: 'string', default: 'kzlab-bench-produce', description: 'topic (created if missing)' },
  partitions: {
    type: 'number',
    integer: true,
    min: 1,
    max: 1000,
    default: 1,
    description: 'partitions when the topic is created',
  },
  'replication-factor': {
    type: 'number',
    integer: true,
    min: 1,
    max: 9,
    default: 1,
    description: 'replication factor when the topic is created',
  },
  batch: {
    type: 'number',
    integer: true,
    min: 1,
    max: 100_000,
    default: 100,
    description: 'records per send()',
  },
  'batch-size': {
    type: 'number',
    integer: true,
    min: 1,
    max: 64 * 1024 * 1024,
    default: 16384,
    valueName: 'BYTES',
    description:
      "kzlab client's batch.size: bytes per partition batch (Kafka's default 16384; one batch per partition goes in each request)",
  },
  'in-flight': {
    type: 'number',
    integer: true,
    min: 1,
    max: 64,
    default: 4,
    description: 'sends outstanding at once',
  },
  seconds: { type: 'number', min: 0.5, max: 3600, default: 10, description: 'measured throughput window' },
  'warmup-seconds': {
    type: 'number',
    min: 0,
    max: 600,
    default: 2,
    description: 'unmeasured warm-up before it',
  },
  'e2e-rate': {
    type: 'number',
    integer: true,
    min: 0,
    max: 1_000_000,
    default: 2000,
    description: 'records/s of the end-to-end phase (0 = skip it)',
  },
  'e2e-seconds': {
    type: 'number',
    min: 0.5,
    max: 3600,
    default: 5,
    description: 'length of the end-to-end phase',
  },
  'no-ceiling': { type: 'boolean', description: 'skip the kafkajs encode-only ceiling' },
  'broker-pids': {
    type: 'list',
    valueName: 'PID,…',
    description: 'broker processes whose CPU to report next to the client CPU (pids from kzlab status)',
  },
  json: {
    type: 'string',
    valueName: 'FILE',
    description: 'where the JSON goes (default bench-results/produce-<time>.json)',
  },
} as const satisfies FlagSpecs;

export const PRODUCE_BENCH_USAGE = `Usage: kzlab bench produce --bootstrap HOST:PORT[,…] [flags]

Produce throughput and latency of kafkajs or kzlab's client against running brokers, next to what
kafkajs can encode with no broker at all (the ceiling).

${formatFlagHelp(PRODUCE_BENCH_FLAGS)}
`;

export interface ProduceBenchOptions {
  readonly help: boolean;
  readonly bootstrap: readonly string[];
  readonly client: ProduceClient;
  readonly recordSize: number;
  readonly acks: 1 | -1;
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly batch: number;
  readonly inFlight: number;
  readonly batchSize: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly e2eRate: number;
  readonly e2eSeconds: number;
  readonly ceiling: boolean;
  readonly brokerPids: readonly number[];
  readonly json: string | null;
}

export function parseProduceBenchArgs(argv: readonly string[]): ProduceBenchOptions {
  const { flags, positionals, help } = parseFlags(argv, PRODUCE_BENCH_FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const client = flags.client.trim().toLowerCase();
  if (!(PRODUCE_CLIENTS as readonly string[]).includes(client))
    throw new UsageError(`--client expects kafkajs or kzlab, got ${JSON.stringify(flags.client)}`);
  const acksText = flags.acks.trim().toLowerCase();
  if (acksText !== '1' && acksText !== 'all' && acksText !== '-1')
    throw new UsageError(`--acks expects 1 or all, got ${JSON.stringify(flags.acks)}`);
  const bootstrap = (flags.bootstrap ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (!help && bootstrap.length === 0) throw new UsageError('--bootstrap HOST:PORT is required');
  for (const entry of bootstrap) {
    if (!/^[^:\s]+:\d{1,5}$/.test(entry) || Number(entry.split(':')[1]) > 65535)
      throw new UsageError(`--bootstrap expects HOST:PORT entries, got ${JSON.stringify(entry)}`);
  }
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(flags.topic))
    throw new UsageError(`--topic: ${JSON.stringify(flags.topic)} is not a legal Kafka topic name`);
  const brokerPids = flags['broker-pids'].map((text) => {
    const pid = Number(text);
    if (!Number.isInteger(pid) || pid < 1)
      throw new UsageError(`--broker-pids expects process ids, got ${JSON.stringify(text)}`);
    return pid;
  });
  return {
    help,
    bootstrap,
    brokerPids,
    client: client as ProduceClient,
    recordSize: flags['record-size'],
    acks: acksText === '1' ? 1 : -1,
    topic: flags.topic,
    partitions: flags.partitions,
    replicationFactor: flags['replication-factor'],
    batch: flags.batch,
    inFlight: flags['in-flight'],
    batchSize: flags['batch-size'],
    seconds: flags.seconds,
    warmupSeconds: flags['warmup-seconds'],
    e2eRate: flags['e2e-rate'],
    e2eSeconds: flags['e2e-seconds'],
    ceiling: !flags['no-ceiling'],
    json: flags.json ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Clients behind one small interface

/** One producer as the benchmark drives it: send a batch of values to a partition chosen by the client. */
interface BenchProducer {
  send(values: readonly Uint8Array[]): Promise<void>;
  close(): Promise<void>;
}

const requireCjs = createRequire(import.meta.url);

interface KafkajsModule {
  Kafka: new (config: object) => {
    producer(config: object): {
      connect(): Promise<void>;
      disconnect(): Promise<void>;
      send(request: object): Promise<unknown>;
    };
  };
  logLevel: { NOTHING: number };
}

async function openKafkajsProducer(options: ProduceBenchOptions): Promise<BenchProducer> {
  const { Kafka, logLevel } = requireCjs('kafkajs') as KafkajsModule;
  const kafka = new Kafka({
    clientId: 'kzlab-bench',
    brokers: [...options.bootstrap],
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    send: async (values) => {
      await producer.send({
        topic: options.topic,
        acks: options.acks,
        messages: values.map((value) => ({
          value: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
        })),
      });
    },
    close: () => producer.disconnect(),
  };
}

async function openKzlabProducer(options: ProduceBenchOptions): Promise<BenchProducer> {
  const producer = new Producer<Uint8Array | null, Uint8Array>({
    brokers: options.bootstrap,
    clientId: 'kzlab-bench',
    acks: options.acks,
    allowAutoTopicCreation: false,
    maxInFlightRequests: Math.max(5, options.inFlight),
    batchSize: options.batchSize,
  });
  await producer.connect();
  return {
    send: async (values) => {
      await producer.send({ topic: options.topic, messages: values.map((value) => ({ value })) });
    },
    close: () => producer.close(),
  };
}

function openProducer(options: ProduceBenchOptions): Promise<BenchProducer> {
  return options.client === 'kafkajs' ? openKafkajsProducer(options) : openKzlabProducer(options);
}

// ---------------------------------------------------------------------------------------------
// Phase 1: the kafkajs encode-only ceiling

export interface CeilingResult {
  readonly recordsPerSec: number;
  readonly mbPerSec: number;
  readonly requests: number;
}

interface KafkajsRequestModule {
  (request: object): { apiKey: number; apiVersion: number; encode(): Promise<unknown> };
}
type KafkajsFrame = (input: object) => Promise<{ size(): number }>;

/** kafkajs building and framing Produce v7 requests of `batch` records, for `seconds`, with no broker. */
export async function measureKafkajsEncodeCeiling(
  recordSize: number,
  batch: number,
  seconds: number,
): Promise<CeilingResult> {
  const produceV7 = requireCjs('kafkajs/src/protocol/requests/produce/v7/request') as KafkajsRequestModule;
  const frame = requireCjs('kafkajs/src/protocol/request') as KafkajsFrame;
  const value = Buffer.alloc(recordSize, 0x61);
  let requests = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    const timestamp = Date.now();
    const messages = Array.from({ length: batch }, () => ({ key: null, value, timestamp, headers: {} }));
    const request = produceV7({
      acks: -1,
      timeout: 30_000,
      topicData: [{ topic: 'ceiling', partitions: [{ partition: 0, messages }] }],
    });
    const framed = await frame({ correlationId: requests, clientId: 'kzlab-bench', request });
    if (framed.size() < recordSize * batch)
      throw new Error('kafkajs framed a request smaller than its values');
    requests++;
  }
  const elapsedS = (performance.now() - started) / 1000;
  const records = requests * batch;
  return { recordsPerSec: records / elapsedS, mbPerSec: (records * recordSize) / elapsedS / 1e6, requests };
}

// ---------------------------------------------------------------------------------------------
// Phase 1b: the same client against a null broker (deploy/bench/null-broker.ts, its own process)

const NULL_BROKER_START_TIMEOUT_MS = 15_000;

/** Starts the null broker; resolves its port and a stop function. */
async function spawnNullBroker(partitions: number): Promise<{ port: number; stop(): void }> {
  const script = fileURLToPath(new URL('./null-broker.ts', import.meta.url));
  const child = spawn(process.execPath, [script, '0', String(partitions)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(
        () => reject(new Error('the null broker did not start within 15 s')),
        NULL_BROKER_START_TIMEOUT_MS,
      );
      child.once('exit', (code) => reject(new Error(`the null broker exited with ${code}`)));
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const line = text.split('\n')[0];
        if (text.includes('\n') && line !== undefined) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
    });
    return { port, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

async function measureAgainstNullBroker(options: ProduceBenchOptions): Promise<ThroughputResult> {
  const nullBroker = await spawnNullBroker(options.partitions);
  try {
    const against = { ...options, bootstrap: [`127.0.0.1:${nullBroker.port}`], brokerPids: [] };
    const producer = await openProducer(against);
    try {
      return await measureThroughput(producer, against);
    } finally {
      await producer.close();
    }
  } finally {
    nullBroker.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Phase 2: throughput

export interface ThroughputResult {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSec: number;
  readonly mbPerSec: number;
  readonly sendLatencyMs: LatencySummaryMs;
  readonly errors: number;
  /** Cores this process (the client) used during the phase: ≈ 1 means the client was the bottleneck. */
  readonly clientCores: number;
  /** Cores the --broker-pids used during the phase, summed (null when none were given or /proc failed). */
  readonly brokerCores: number | null;
}

/** CPU seconds of this process and of the given broker processes, to compare client and broker load. */
function cpuNow(brokerPids: readonly number[]): { at: number; client: number; brokers: number | null } {
  const usage = process.cpuUsage();
  let brokers: number | null = brokerPids.length === 0 ? null : 0;
  for (const pid of brokerPids) {
    const seconds = processTreeCpuSeconds(pid);
    brokers = seconds === null || brokers === null ? null : brokers + seconds;
  }
  return { at: performance.now(), client: (usage.user + usage.system) / 1e6, brokers };
}

/** Values whose first 8 bytes carry the send time (performance.now(), ms), for end-to-end latency. */
function stampedValue(size: number): Uint8Array {
  const value = new Uint8Array(size);
  new DataView(value.buffer).setFloat64(0, performance.now());
  return value;
}

async function measureThroughput(
  producer: BenchProducer,
  options: ProduceBenchOptions,
): Promise<ThroughputResult> {
  const template = Array.from({ length: options.batch }, () => new Uint8Array(options.recordSize).fill(0x61));
  const histogram = new LatencyHistogram();
  const startedAt = performance.now();
  const measureFrom = startedAt + options.warmupSeconds * 1000;
  const measureUntil = measureFrom + options.seconds * 1000;
  let records = 0;
  let errors = 0;
  let firstError: unknown;
  const lane = async (): Promise<void> => {
    while (performance.now() < measureUntil && firstError === undefined) {
      const sentAt = performance.now();
      try {
        await producer.send(template);
      } catch (error) {
        errors++;
        firstError ??= error;
        return;
      }
      const ackedAt = performance.now();
      if (sentAt >= measureFrom && ackedAt <= measureUntil) {
        records += options.batch;
        histogram.record(Math.round((ackedAt - sentAt) * 1e6));
      }
    }
  };
  let cpuStart: ReturnType<typeof cpuNow> | undefined;
  const warmupTimer = setTimeout(() => (cpuStart = cpuNow(options.brokerPids)), options.warmupSeconds * 1000);
  await Promise.all(Array.from({ length: options.inFlight }, lane));
  clearTimeout(warmupTimer);
  const cpuEnd = cpuNow(options.brokerPids);
  if (firstError !== undefined) throw firstError;
  const cpuFrom = cpuStart ?? cpuEnd;
  const cpuSeconds = Math.max(1e-9, (cpuEnd.at - cpuFrom.at) / 1000);
  return {
    records,
    seconds: options.seconds,
    recordsPerSec: records / options.seconds,
    mbPerSec: (records * options.recordSize) / options.seconds / 1e6,
    sendLatencyMs: histogram.summaryMs(),
    errors,
    clientCores: (cpuEnd.client - cpuFrom.client) / cpuSeconds,
    brokerCores:
      cpuEnd.brokers === null || cpuFrom.brokers === null
        ? null
        : (cpuEnd.brokers - cpuFrom.brokers) / cpuSeconds,
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 3: end-to-end latency at a steady rate

export interface EndToEndResult {
  readonly ratePerSec: number;
  readonly produced: number;
  readonly consumed: number;
  readonly sendLatencyMs: LatencySummaryMs;
  readonly endToEndLatencyMs: LatencySummaryMs;
}

const E2E_TICK_MS = 10;
const E2E_DRAIN_TIMEOUT_MS = 30_000;

async function measureEndToEnd(
  producer: BenchProducer,
  options: ProduceBenchOptions,
): Promise<EndToEndResult> {
  const consumer = new Consumer<Uint8Array | null, Uint8Array | null>({
    brokers: options.bootstrap,
    clientId: 'kzlab-bench-e2e',
    groupId: null,
    fetchMaxWaitMs: 100,
  });
  const partitions = Array.from({ length: options.partitions }, (_, partition) => ({
    topic: options.topic,
    partition,
  }));
  consumer.assign(partitions);
  consumer.seekToEnd(partitions);
  const e2e = new LatencyHistogram();
  const sendLatency = new LatencyHistogram();
  let consumed = 0;
  let produced = 0;
  // The first poll resolves "end" to offsets before anything is produced, so nothing is missed. With
  // acks=1 and replicas, "end" (the high watermark) can still be behind records of the throughput phase:
  // only records stamped during this phase (a send time between its start and now) are counted.
  await consumer.poll(500);
  const phaseStartedAt = performance.now();
  let stopConsuming = false;
  let producingDone = false;
  // Ends by itself when everything produced has arrived (or when stopped: failure, drain deadline).
  const consuming = (async () => {
    while (!stopConsuming && !(producingDone && consumed >= produced)) {
      for (const record of await consumer.poll(100)) {
        if (record.value === null || record.value.byteLength < 8) continue;
        const sentAt = new DataView(record.value.buffer, record.value.byteOffset, 8).getFloat64(0);
        const now = performance.now();
        if (!(sentAt >= phaseStartedAt && sentAt <= now)) continue;
        e2e.record(Math.round((now - sentAt) * 1e6));
        consumed++;
      }
    }
  })();
  try {
    const perTick = (options.e2eRate * E2E_TICK_MS) / 1000;
    const sends: Promise<void>[] = [];
    const started = performance.now();
    let owed = 0;
    for (let tick = 0; performance.now() - started < options.e2eSeconds * 1000; tick++) {
      owed += perTick;
      const count = Math.floor(owed);
      owed -= count;
      if (count > 0) {
        const values = Array.from({ length: count }, () => stampedValue(options.recordSize));
        const sentAt = performance.now();
        produced += count;
        sends.push(
          producer
            .send(values)
            .then(() => sendLatency.record(Math.round((performance.now() - sentAt) * 1e6))),
        );
      }
      const nextTickAt = started + (tick + 1) * E2E_TICK_MS;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextTickAt - performance.now())));
    }
    await Promise.all(sends);
    producingDone = true;
    const drainDeadline = setTimeout(() => (stopConsuming = true), E2E_DRAIN_TIMEOUT_MS);
    await consuming;
    clearTimeout(drainDeadline);
  } finally {
    stopConsuming = true;
    await consuming;
    await consumer.close();
  }
  if (consumed < produced)
    throw new Error(
      `end-to-end phase: the consumer saw ${consumed} of ${produced} records within ${E2E_DRAIN_TIMEOUT_MS} ms`,
    );
  return {
    ratePerSec: options.e2eRate,
    produced,
    consumed,
    sendLatencyMs: sendLatency.summaryMs(),
    endToEndLatencyMs: e2e.summaryMs(),
  };
}

// ---------------------------------------------------------------------------------------------
// The run

export interface ProduceBenchResult {
  readonly kind: 'produce';
  readonly startedAt: string;
  readonly options: Omit<ProduceBenchOptions, 'help' | 'json'>;
  readonly machine: { readonly cpus: number; readonly loadavg1: number };
  /** kafkajs encoding alone (the issue's "encode only" ceiling). */
  readonly ceiling: CeilingResult | null;
  /** The same client, same flags, against a broker that acknowledges without doing anything. */
  readonly nullBroker: ThroughputResult | null;
  readonly throughput: ThroughputResult;
  readonly endToEnd: EndToEndResult | null;
  /** throughput ÷ encode-only ceiling, when both were measured. */
  readonly ofCeiling: number | null;
  /** throughput ÷ null-broker throughput: below 0.9, the broker is what limits the client. */
  readonly ofNullBroker: number | null;
}

async function ensureTopic(options: ProduceBenchOptions, log: (line: string) => void): Promise<void> {
  const admin = new Admin({ brokers: options.bootstrap, clientId: 'kzlab-bench-admin' });
  try {
    await admin.connect();
    const existing = await admin.listTopics();
    if (existing.includes(options.topic)) {
      log(`topic ${options.topic} exists; using it as it is`);
      return;
    }
    const [created] = await admin.createTopics({
      topics: [
        {
          name: options.topic,
          numPartitions: options.partitions,
          replicationFactor: options.replicationFactor,
        },
      ],
    });
    if (created !== undefined && created.errorCode !== 0)
      throw new Error(
        `creating ${options.topic}: ${created.errorMessage ?? `Kafka error ${created.errorCode}`}`,
      );
    log(`created ${options.topic}: ${options.partitions} partition(s), RF ${options.replicationFactor}`);
  } finally {
    await admin.close();
  }
}

export async function runProduceBench(
  options: ProduceBenchOptions,
  io: { log(line: string): void },
): Promise<ProduceBenchResult> {
  const startedAt = new Date().toISOString();
  await ensureTopic(options, io.log);
  let ceiling: CeilingResult | null = null;
  if (options.ceiling) {
    io.log(`ceiling: kafkajs encoding ${options.batch} × ${options.recordSize} B per request, no broker…`);
    ceiling = await measureKafkajsEncodeCeiling(
      options.recordSize,
      options.batch,
      Math.min(options.seconds, 5),
    );
    io.log(`ceiling: ${options.client} against a null broker (acknowledges, stores nothing)…`);
  }
  const nullBroker = options.ceiling ? await measureAgainstNullBroker(options) : null;
  const producer = await openProducer(options);
  try {
    io.log(
      `throughput: ${options.client}, ${options.inFlight} × ${options.batch} records in flight, acks=${options.acks === -1 ? 'all' : 1}…`,
    );
    const throughput = await measureThroughput(producer, options);
    let endToEnd: EndToEndResult | null = null;
    if (options.e2eRate > 0) {
      io.log(`end-to-end: ${options.e2eRate} records/s for ${options.e2eSeconds} s with a consumer…`);
      endToEnd = await measureEndToEnd(producer, options);
    }
    const { help: _help, json: _json, ...recorded } = options;
    return {
      kind: 'produce',
      startedAt,
      options: recorded,
      machine: { cpus: cpus().length, loadavg1: loadavg()[0] ?? 0 },
      ceiling,
      nullBroker,
      throughput,
      endToEnd,
      ofCeiling: ceiling === null ? null : throughput.recordsPerSec / ceiling.recordsPerSec,
      ofNullBroker: nullBroker === null ? null : throughput.recordsPerSec / nullBroker.recordsPerSec,
    };
  } finally {
    await producer.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Output

/** Whether the broker limited the client: the target is ≥ 90 % of what the client does with a null broker. */
export function produceVerdict(result: Pick<ProduceBenchResult, 'ofNullBroker'>): string {
  if (result.ofNullBroker === null) return '';
  return result.ofNullBroker >= 0.9
    ? '(target ≥ 90 %: met, the broker is not the bottleneck)'
    : '(target ≥ 90 %: MISSED, the broker limits this client)';
}

export function formatProduceBenchTable(result: ProduceBenchResult): string {
  const { options, throughput, ceiling, endToEnd } = result;
  const rows: [string, string][] = [
    [
      'client',
      `${options.client}, acks=${options.acks === -1 ? 'all' : '1'}, ${options.recordSize} B records, ${options.batch}/send, ${options.inFlight} in flight${options.client === 'kzlab' ? `, batch.size ${options.batchSize}` : ''}`,
    ],
    ['throughput', `${fmtRate(throughput.recordsPerSec)} records/s  ${throughput.mbPerSec.toFixed(1)} MB/s`],
    [
      'send latency',
      `p50 ${fmtMs(throughput.sendLatencyMs.p50)} ms  p99 ${fmtMs(throughput.sendLatencyMs.p99)} ms`,
    ],
  ];
  if (ceiling !== null) {
    rows.push([
      'kafkajs ceiling',
      `${fmtRate(ceiling.recordsPerSec)} records/s  ${ceiling.mbPerSec.toFixed(1)} MB/s (encode only, no broker)`,
    ]);
    rows.push(['of encode ceiling', `${Math.round((result.ofCeiling ?? 0) * 100)} %`]);
  }
  if (result.nullBroker !== null) {
    rows.push([
      'null broker',
      `${fmtRate(result.nullBroker.recordsPerSec)} records/s  ${result.nullBroker.mbPerSec.toFixed(1)} MB/s` +
        `  (same client and flags; the broker acknowledges and stores nothing; client ${result.nullBroker.clientCores.toFixed(2)} cores)`,
    ]);
    rows.push([
      'of null broker',
      `${Math.round((result.ofNullBroker ?? 0) * 100)} %  ${produceVerdict(result)}`,
    ]);
  }
  if (endToEnd !== null) {
    rows.push([
      'e2e rate',
      `${fmtRate(endToEnd.ratePerSec)} records/s, ${endToEnd.consumed}/${endToEnd.produced} consumed`,
    ]);
    rows.push([
      'e2e send latency',
      `p50 ${fmtMs(endToEnd.sendLatencyMs.p50)} ms  p99 ${fmtMs(endToEnd.sendLatencyMs.p99)} ms`,
    ]);
    rows.push([
      'end-to-end',
      `p50 ${fmtMs(endToEnd.endToEndLatencyMs.p50)} ms  p99 ${fmtMs(endToEnd.endToEndLatencyMs.p99)} ms`,
    ]);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

export function produceJsonPath(
  options: Pick<ProduceBenchOptions, 'json'>,
  startedAt: string,
  cwd: string,
): string {
  if (options.json !== null) return resolvePath(cwd, options.json);
  const stamp = startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return resolvePath(cwd, 'bench-results', `produce-${stamp}.json`);
}

export function writeProduceJson(result: ProduceBenchResult, path: string): string {
  return writeTextFile(path, `${JSON.stringify(result, null, 2)}\n`);
}

/** The command: parse, run, print the table, write the JSON. Throws UsageError on bad flags. */
export async function produceBenchCli(
  argv: readonly string[],
  io: { stdout(text: string): void; stderr(text: string): void; readonly cwd: string },
): Promise<number> {
  const options = parseProduceBenchArgs(argv);
  if (options.help) {
    io.stdout(PRODUCE_BENCH_USAGE.trimEnd());
    return 0;
  }
  const result = await runProduceBench(options, { log: (line) => io.stderr(line) });
  io.stdout(formatProduceBenchTable(result));
  io.stdout(`JSON: ${writeProduceJson(result, produceJsonPath(options, result.startedAt, io.cwd))}`);
  return 0;
}
