// Test support for our Kafka broker as a real process: start `broker/main.ts` with a generated
// server.properties (temp log dir, free ports), wait until it answers and knows itself from the controller,
// kill -9 / SIGTERM / restart it; a one-shot Kafka request over our codec; and a bounded kcat runner.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

import {
  ApiKey,
  decodeResponseFrame,
  encodeRequestFrame,
  ErrorCode,
  FrameSplitter,
  type RequestInput,
  type ResponseBody,
  type SupportedApiKey,
} from '../../../client/protocol/index.ts';
import { getFreePort } from '../../support/ports.ts';
import {
  makeTempDir,
  spawnLogged,
  waitFor,
  type ExitStatus,
  type ManagedProcess,
} from '../../support/process.ts';
import { repoRoot } from '../../support/zookeeper-servers.ts';

export const KCAT = '/usr/bin/kcat';
export const repoNode = join(repoRoot, 'node_modules', '.bin', 'node');
const brokerMain = join(repoRoot, 'broker', 'main.ts');

export function kcatAvailable(): boolean {
  return existsSync(KCAT);
}

// ───────────────────────── one request over our codec ─────────────────────────

/** Sends one request on a fresh connection and decodes the answer (bounded). */
export function kafkaRequest<K extends SupportedApiKey>(
  host: string,
  port: number,
  apiKey: K,
  apiVersion: number,
  body: RequestInput<K>,
  deadlineMs = 5_000,
): Promise<ResponseBody<K>> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const splitter = new FrameSplitter();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no answer to API ${apiKey} v${apiVersion} from ${host}:${port} within ${deadlineMs} ms`),
      );
    }, deadlineMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`connection to ${host}:${port} closed`));
    });
    socket.on('connect', () =>
      socket.write(
        encodeRequestFrame(apiKey, apiVersion, { correlationId: 7, clientId: 'kzlab-test' }, body),
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      const frames = splitter.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (frames.length === 0) return;
      clearTimeout(timer);
      try {
        resolve(decodeResponseFrame(apiKey, apiVersion, frames[0]).body);
      } catch (error) {
        reject(error as Error);
      }
      socket.destroy();
    });
  });
}

/** Metadata v1 for `topics` (null = all; [] = brokers only). */
export function metadata(port: number, topics: string[] | null = []): Promise<ResponseBody<3>> {
  return kafkaRequest('127.0.0.1', port, ApiKey.Metadata, 1, {
    topics: topics === null ? null : topics.map((name) => ({ name })),
  } as RequestInput<3>);
}

// ───────────────────────── broker processes ─────────────────────────

export interface BrokerProcessOptions {
  id: number;
  /** host:port[/chroot] */
  zookeeperConnect: string;
  /** Extra server.properties lines (override the defaults). */
  properties?: Record<string, string | number | boolean>;
  /** Also start the admin HTTP server. */
  admin?: boolean;
}

export interface BrokerProcess {
  readonly id: number;
  readonly port: number;
  readonly adminPort: number | undefined;
  readonly logDir: string;
  readonly configPath: string;
  readonly bootstrap: string;
  readonly pid: number;
  process(): ManagedProcess;
  logTail(lines?: number): string;
  /** Starts (again) on the same port, log dir and config; resolves when ready (see waitReady). */
  start(): Promise<void>;
  /** SIGKILL, no clean shutdown. */
  kill9(): Promise<ExitStatus>;
  /** SIGTERM (clean shutdown); SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** Stop and remove the temp dir. */
  destroy(): Promise<void>;
}

export interface StartBrokerOptions {
  /** Deadline for the broker to answer and be known to the controller (default 30 s). */
  readyDeadlineMs?: number;
  /** Wait for the controller's UpdateMetadata to list this broker (default true). */
  waitForMetadata?: boolean;
}

export async function createBroker(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const baseDir = makeTempDir(`broker${options.id}`);
  const logDir = join(baseDir, 'kafka-logs');
  mkdirSync(logDir);
  const port = await getFreePort();
  const adminPort = options.admin ? await getFreePort() : undefined;
  const properties: Record<string, string | number | boolean> = {
    'broker.id': options.id,
    listeners: `PLAINTEXT://127.0.0.1:${port}`,
    'log.dirs': logDir,
    'zookeeper.connect': options.zookeeperConnect,
    'zookeeper.session.timeout.ms': 6000,
    'num.partitions': 1,
    'offsets.topic.replication.factor': 1,
    ...(adminPort === undefined ? {} : { 'kzlab.admin.port': adminPort }),
    ...options.properties,
  };
  const configPath = join(baseDir, 'server.properties');
  writeFileSync(
    configPath,
    Object.entries(properties)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  let current: ManagedProcess | undefined;
  let generation = 0;

  const broker: BrokerProcess = {
    id: options.id,
    port,
    adminPort,
    logDir,
    configPath,
    bootstrap: `127.0.0.1:${port}`,
    get pid() {
      if (current === undefined) throw new Error('broker not started');
      return current.pid;
    },
    process() {
      if (current === undefined) throw new Error('broker not started');
      return current;
    },
    logTail: (lines = 60) => current?.logTail(lines) ?? '',
    async start() {
      generation++;
      current = spawnLogged({
        name: `broker${options.id}-${generation}`,
        logDir: baseDir,
        cwd: repoRoot,
        command: repoNode,
        args: [brokerMain, configPath],
        env: { ...process.env, KZLAB_LOG_LEVEL: process.env.KZLAB_LOG_LEVEL ?? 'info' },
      });
    },
    async kill9() {
      if (current === undefined) throw new Error('broker not started');
      return current.stop({ signal: 'SIGKILL', graceMs: 5_000 });
    },
    async stop(graceMs = 15_000) {
      if (current === undefined) throw new Error('broker not started');
      return current.stop({ signal: 'SIGTERM', graceMs });
    },
    async destroy() {
      if (current !== undefined && current.exitStatus() === undefined) await current.stop({ graceMs: 5_000 });
      if (process.env.KZLAB_KEEP_TMP !== '1') rmSync(baseDir, { recursive: true, force: true });
    },
  };
  return broker;
}

/** Waits until the broker answers Metadata and lists itself (the controller's UpdateMetadata arrived). */
export async function waitReady(broker: BrokerProcess, options: StartBrokerOptions = {}): Promise<void> {
  const proc = broker.process();
  await waitFor(
    async () => {
      const status = proc.exitStatus();
      if (status)
        throw new Error(`broker ${broker.id} exited (code ${status.code}, signal ${status.signal})`);
      const answer = await metadata(broker.port, []);
      if (options.waitForMetadata === false) return true;
      return answer.brokers.some((b) => b.nodeId === broker.id) && answer.controllerId >= 0;
    },
    {
      deadlineMs: options.readyDeadlineMs ?? 30_000,
      what: `broker ${broker.id} on port ${broker.port} to answer Metadata and list itself`,
      intervalMs: 100,
      context: () => broker.logTail(60),
    },
  ).catch((error: unknown) => {
    const status = proc.exitStatus();
    if (status)
      throw new Error(`broker ${broker.id} exited early (code ${status.code}):\n${broker.logTail(60)}`);
    throw error;
  });
}

/**
 * Waits until the broker serves every partition of `topic` (ListOffsets answers without error), not only
 * lists it with a leader: after a restart the controller's UpdateMetadata can arrive before LeaderAndIsr.
 */
export async function waitUntilServed(
  broker: BrokerProcess,
  topic: string,
  deadlineMs = 20_000,
): Promise<void> {
  await waitFor(
    async () => {
      const partitions = (await metadata(broker.port, [topic])).topics[0]?.partitions ?? [];
      if (partitions.length === 0 || !partitions.every((p) => p.leaderId === broker.id)) return false;
      const offsets = await kafkaRequest('127.0.0.1', broker.port, ApiKey.ListOffsets, 1, {
        replicaId: -1,
        topics: [
          {
            name: topic,
            partitions: partitions.map((p) => ({ partitionIndex: p.partitionIndex, timestamp: -1n })),
          },
        ],
      } as RequestInput<2>);
      return offsets.topics[0].partitions.every((p) => p.errorCode === ErrorCode.NONE);
    },
    { deadlineMs, what: `broker ${broker.id} to serve ${topic} again`, context: () => broker.logTail(40) },
  );
}

export async function startBroker(
  options: BrokerProcessOptions,
  start: StartBrokerOptions = {},
): Promise<BrokerProcess> {
  const broker = await createBroker(options);
  await broker.start();
  await waitReady(broker, start);
  return broker;
}

// ───────────────────────── kcat ─────────────────────────

export interface KcatResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs kcat with `args` (and `input` on stdin), bounded; never throws for a non-zero exit. */
export function kcat(
  args: string[],
  options: { input?: string; deadlineMs?: number } = {},
): Promise<KcatResult> {
  const deadlineMs = options.deadlineMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(KCAT, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `kcat ${args.join(' ')}: no exit within ${deadlineMs} ms\nstdout:\n${Buffer.concat(out)}\nstderr:\n${Buffer.concat(err)}`,
        ),
      );
    }, deadlineMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** kcat -C from the beginning to the end (-e) with CRC checks; one line per record: `partition offset key value`. */
export async function consumeAll(
  bootstrap: string,
  topic: string,
  extra: string[] = [],
): Promise<{ partition: number; offset: number; key: string; value: string }[]> {
  const result = await kcat([
    '-b',
    bootstrap,
    '-C',
    '-t',
    topic,
    '-o',
    'beginning',
    '-e',
    '-q',
    '-X',
    'check.crcs=true',
    '-f',
    '%p %o %k %s\\n',
    ...extra,
  ]);
  if (result.code !== 0) throw new Error(`kcat -C failed (${result.code}): ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [partition, offset, key, ...value] = line.split(' ');
      return { partition: Number(partition), offset: Number(offset), key: key ?? '', value: value.join(' ') };
    });
}

export { getFreePort, makeTempDir };
