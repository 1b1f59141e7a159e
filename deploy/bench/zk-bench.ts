// `kzlab bench zk`: latency and throughput of a ZooKeeper-protocol server, measured with
// node-zookeeper-client over one session, the same protocol used for real ZooKeeper in
// /work/shared/reference/zookeeper-measured.md:
//   100-byte values, 64 znodes cycled under a fresh root (removed afterwards);
//   sequential (1 outstanding) create / setData / getData over N ops;
//   pipelined setData / getData keeping exactly K requests outstanding, measured over a window
//   after a warm-up; optional pre-warm (80 % getData / 20 % setData at 256 outstanding) of a freshly
//   started server.
// It can start Debian's Apache ZooKeeper 3.8 and/or our own server itself, fresh per repetition,
// interleaving the targets, and reports CPU of the client, the server and the machine per phase.

import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem, type as osType, release as osRelease } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import { LatencyHistogram, spread, type LatencySummaryMs, type Spread } from './histogram.ts';
import { cpuSnapshot, cpuUse, expandProcessTrees, type CpuSnapshot, type CpuUse } from './proc-cpu.ts';
import { fourLetterWord, startServer, type ServerKind, type StartedServer } from './zk-servers.ts';

// ---------------------------------------------------------------------------------------------
// node-zookeeper-client (CommonJS, no type declarations): the small part we use, typed here.

export interface ZkError {
  code: number;
  name: string;
  message: string;
}
export type ZkCallback = (error: ZkError | null | undefined, ...results: unknown[]) => void;
export interface ZkClient {
  connect(): void;
  close(): void;
  once(event: string, listener: () => void): unknown;
  on(event: string, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
  create(path: string, data: Buffer, mode: number, callback: ZkCallback): void;
  setData(path: string, data: Buffer, version: number, callback: ZkCallback): void;
  getData(path: string, callback: ZkCallback): void;
  getChildren(path: string, callback: ZkCallback): void;
  remove(path: string, version: number, callback: ZkCallback): void;
}
interface ZkModule {
  createClient(
    connect: string,
    options: { sessionTimeout: number; spinDelay: number; retries: number },
  ): ZkClient;
  CreateMode: { PERSISTENT: number };
}

const require = createRequire(import.meta.url);
const zookeeper = require('node-zookeeper-client') as ZkModule;
const zookeeperClientVersion = (require('node-zookeeper-client/package.json') as { version: string }).version;

// ---------------------------------------------------------------------------------------------
// Options and argument parsing

export interface ZkBenchOptions {
  /** host:port[,host:port…][/chroot] of an already running server, or null. */
  connect: string | null;
  /** Pipelined measurement window per phase. */
  seconds: number;
  /** Pipelined warm-up before each window (not recorded). */
  warmupSeconds: number;
  /** Sequential phases: measured operations per phase. */
  ops: number;
  /** Sequential phases: unrecorded operations before the measured ones. */
  warmupOps: number;
  /** Pipelined phases: requests kept outstanding, one phase pair per value. */
  outstanding: number[];
  /** JSON output file; null = bench-results/zk-<timestamp>[-label].json. Ignored when writeJson is false. */
  json: string | null;
  writeJson: boolean;
  /** Run label (JSON, file name, table title); also names the --connect column. */
  label: string | null;
  compareRealZookeeper: boolean;
  startKzlab: boolean;
  repeat: number;
  /** Unreported mixed load before the phases; null = 5 s for servers we start, 0 for --connect. */
  prewarmSeconds: number | null;
  /** Server pids for CPU accounting of the --connect target (descendants included). */
  serverPids: number[];
  valueBytes: number;
  znodes: number;
  /** forceSync for servers we start (ZooKeeper's default yes). */
  forceSync: boolean;
  readyTimeoutSeconds: number;
  help: boolean;
}

export const DEFAULT_ZK_BENCH_OPTIONS: Readonly<ZkBenchOptions> = Object.freeze({
  connect: null,
  seconds: 5,
  warmupSeconds: 1,
  ops: 3000,
  warmupOps: 100,
  outstanding: [64, 256],
  json: null,
  writeJson: true,
  label: null,
  compareRealZookeeper: false,
  startKzlab: false,
  repeat: 1,
  prewarmSeconds: null,
  serverPids: [],
  valueBytes: 100,
  znodes: 64,
  forceSync: true,
  readyTimeoutSeconds: 60,
  help: false,
});

export class ZkBenchArgsError extends Error {
  readonly code = 'BAD_ARGS';
  readonly retriable = false;
  /** The flag at fault, when there is one. */
  readonly flag: string | undefined;
  constructor(message: string, flag?: string) {
    super(message);
    this.name = 'ZkBenchArgsError';
    this.flag = flag;
  }
}

export class ZkBenchError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(code: string, message: string, retriable = false) {
    super(message);
    this.name = 'ZkBenchError';
    this.code = code;
    this.retriable = retriable;
  }
}

export const ZK_BENCH_USAGE = `Usage: kzlab bench zk [--connect HOST:PORT[,HOST:PORT...]] [options]

Measures a ZooKeeper-protocol server with node-zookeeper-client (one session):
sequential create/setData/getData latency, and pipelined setData/getData throughput with
exactly K requests outstanding. At least one target is needed: --connect,
--compare-real-zookeeper or --start-kzlab.

Targets
  --connect HOST:PORT[,...]     a running server or ensemble
  --compare-real-zookeeper      also start Debian's Apache ZooKeeper 3.8 standalone
                                (fresh per repetition, temp dataDir, free port on 127.0.0.1)
  --start-kzlab                 also start our server (zookeeper-ensemble/main.ts) the same way
  --server-pid PID[,PID...]     pids of the --connect server(s), for server CPU accounting

Protocol
  --ops N                       sequential ops per phase (default 3000)
  --warmup-ops N                unrecorded sequential ops before each phase (default 100)
  --outstanding K[,K...]        pipelined depths (default 64,256)
  --seconds S                   pipelined measurement window (default 5)
  --warmup-seconds S            pipelined warm-up before each window (default 1)
  --prewarm-seconds S           unreported 80/20 get/set load at 256 outstanding before the
                                phases (default 5 for servers started here, 0 for --connect)
  --repeat N                    repetitions, targets interleaved (default 1)
  --value-bytes N               value size (default 100)
  --znodes N                    znodes cycled (default 64)
  --force-sync yes|no           forceSync of servers started here (default yes)
  --ready-timeout-seconds S     start-up deadline for servers started here (default 60)

Output
  --json FILE                   result file (default bench-results/zk-<timestamp>.json)
  --no-json                     do not write a result file
  --label NAME                  run label; also names the --connect column
  -h, --help                    this text
`;

type FlagKind = 'boolean' | 'string' | 'number' | 'integer' | 'integer-list' | 'yes-no';
interface FlagSpec {
  kind: FlagKind;
  key: keyof ZkBenchOptions;
  min?: number;
  max?: number;
}

const FLAGS: Record<string, FlagSpec> = {
  '--connect': { kind: 'string', key: 'connect' },
  '--seconds': { kind: 'number', key: 'seconds', min: 0.1, max: 3600 },
  '--warmup-seconds': { kind: 'number', key: 'warmupSeconds', min: 0, max: 3600 },
  '--ops': { kind: 'integer', key: 'ops', min: 1, max: 10_000_000 },
  '--warmup-ops': { kind: 'integer', key: 'warmupOps', min: 0, max: 10_000_000 },
  '--outstanding': { kind: 'integer-list', key: 'outstanding', min: 1, max: 100_000 },
  '--json': { kind: 'string', key: 'json' },
  '--no-json': { kind: 'boolean', key: 'writeJson' },
  '--label': { kind: 'string', key: 'label' },
  '--compare-real-zookeeper': { kind: 'boolean', key: 'compareRealZookeeper' },
  '--start-kzlab': { kind: 'boolean', key: 'startKzlab' },
  '--repeat': { kind: 'integer', key: 'repeat', min: 1, max: 1000 },
  '--prewarm-seconds': { kind: 'number', key: 'prewarmSeconds', min: 0, max: 3600 },
  '--server-pid': { kind: 'integer-list', key: 'serverPids', min: 1, max: 2 ** 31 - 1 },
  '--value-bytes': { kind: 'integer', key: 'valueBytes', min: 0, max: 1_000_000 },
  '--znodes': { kind: 'integer', key: 'znodes', min: 1, max: 100_000 },
  '--force-sync': { kind: 'yes-no', key: 'forceSync' },
  '--ready-timeout-seconds': { kind: 'number', key: 'readyTimeoutSeconds', min: 1, max: 3600 },
  '--help': { kind: 'boolean', key: 'help' },
  '-h': { kind: 'boolean', key: 'help' },
};

function parseNumber(flag: string, text: string, spec: FlagSpec, integer: boolean): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value)) {
    throw new ZkBenchArgsError(`${flag} expects a number, got ${JSON.stringify(text)}`, flag);
  }
  if (integer && !Number.isInteger(value)) {
    throw new ZkBenchArgsError(`${flag} expects a whole number, got ${JSON.stringify(text)}`, flag);
  }
  if (spec.min !== undefined && value < spec.min) {
    throw new ZkBenchArgsError(`${flag} must be at least ${spec.min}, got ${text}`, flag);
  }
  if (spec.max !== undefined && value > spec.max) {
    throw new ZkBenchArgsError(`${flag} must be at most ${spec.max}, got ${text}`, flag);
  }
  return value;
}

/**
 * Check a ZooKeeper connect string: host:port entries separated by commas, optional /chroot at the end.
 * IPv6 hosts go in brackets ([::1]:2181). Returns the string unchanged.
 */
export function validateConnectString(connect: string): string {
  const slash = connect.indexOf('/');
  const hosts = slash >= 0 ? connect.slice(0, slash) : connect;
  const chroot = slash >= 0 ? connect.slice(slash) : '';
  if (hosts.trim() === '') throw new ZkBenchArgsError('--connect needs at least one HOST:PORT', '--connect');
  for (const entry of hosts.split(',')) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(entry.trim());
    if (match === null) {
      throw new ZkBenchArgsError(`--connect: ${JSON.stringify(entry)} is not HOST:PORT`, '--connect');
    }
    const port = Number(match[2]);
    if (port < 1 || port > 65535) {
      throw new ZkBenchArgsError(
        `--connect: port ${port} in ${JSON.stringify(entry)} is not within 1..65535`,
        '--connect',
      );
    }
  }
  if (chroot !== '' && (chroot === '/' || chroot.endsWith('/') || chroot.includes('//'))) {
    throw new ZkBenchArgsError(`--connect: bad chroot ${JSON.stringify(chroot)}`, '--connect');
  }
  return connect;
}

/** Parse `kzlab bench zk` flags (everything after `bench zk`). Throws ZkBenchArgsError. */
export function parseZkBenchArgs(argv: readonly string[]): ZkBenchOptions {
  const options: ZkBenchOptions = {
    ...DEFAULT_ZK_BENCH_OPTIONS,
    outstanding: [...DEFAULT_ZK_BENCH_OPTIONS.outstanding],
    serverPids: [],
  };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-')) {
      throw new ZkBenchArgsError(
        `unexpected argument ${JSON.stringify(arg)} (flags start with --; see --help)`,
      );
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[flag];
    if (spec === undefined) {
      throw new ZkBenchArgsError(`unknown flag ${flag} (see --help)`, flag);
    }
    if (seen.has(flag)) throw new ZkBenchArgsError(`${flag} given twice`, flag);
    seen.add(flag);
    if (spec.kind === 'boolean') {
      if (eq >= 0) throw new ZkBenchArgsError(`${flag} takes no value`, flag);
      if (spec.key === 'writeJson') options.writeJson = false;
      else (options as unknown as Record<string, unknown>)[spec.key] = true;
      continue;
    }
    let text: string;
    if (eq >= 0) {
      text = arg.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new ZkBenchArgsError(`${flag} needs a value`, flag);
      }
      text = next;
      i++;
    }
    const target = options as unknown as Record<string, unknown>;
    switch (spec.kind) {
      case 'string':
        if (text.trim() === '') throw new ZkBenchArgsError(`${flag} needs a non-empty value`, flag);
        target[spec.key] = spec.key === 'connect' ? validateConnectString(text.trim()) : text;
        break;
      case 'number':
        target[spec.key] = parseNumber(flag, text, spec, false);
        break;
      case 'integer':
        target[spec.key] = parseNumber(flag, text, spec, true);
        break;
      case 'integer-list': {
        const parts = text.split(',');
        if (parts.some((p) => p.trim() === '')) {
          throw new ZkBenchArgsError(
            `${flag} expects comma-separated whole numbers, got ${JSON.stringify(text)}`,
            flag,
          );
        }
        const values = parts.map((p) => parseNumber(flag, p, spec, true));
        if (new Set(values).size !== values.length) {
          throw new ZkBenchArgsError(`${flag} lists a value twice: ${text}`, flag);
        }
        target[spec.key] = values;
        break;
      }
      case 'yes-no': {
        const v = text.trim().toLowerCase();
        if (v !== 'yes' && v !== 'no')
          throw new ZkBenchArgsError(`${flag} expects yes or no, got ${JSON.stringify(text)}`, flag);
        target[spec.key] = v === 'yes';
        break;
      }
    }
  }
  if (options.help) return options;
  if (options.connect === null && !options.compareRealZookeeper && !options.startKzlab) {
    throw new ZkBenchArgsError(
      'nothing to benchmark: give --connect HOST:PORT, --compare-real-zookeeper and/or --start-kzlab',
    );
  }
  if (options.serverPids.length > 0 && options.connect === null) {
    throw new ZkBenchArgsError('--server-pid only applies to the --connect target', '--server-pid');
  }
  if (!options.writeJson && seen.has('--json')) {
    throw new ZkBenchArgsError('--json and --no-json contradict each other', '--no-json');
  }
  if (options.label !== null && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(options.label)) {
    throw new ZkBenchArgsError(
      `--label must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(options.label)}`,
      '--label',
    );
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Results

export type TargetKind = 'external' | ServerKind;

export interface ZkBenchTarget {
  /** Column name in the table. */
  name: string;
  kind: TargetKind;
  /** Connect string (external); for started servers the address of each run is in its run. */
  connect: string | null;
}

export type PhaseOp = 'create' | 'setData' | 'getData' | 'mixed';

export interface PhaseResult {
  /** create-seq, setData-seq, getData-seq, setData@64, getData@256, prewarm-mixed@256 … */
  name: string;
  op: PhaseOp;
  mode: 'sequential' | 'pipelined';
  outstanding: number;
  /** Operations completed (and recorded) in the measured window. */
  ops: number;
  /** Measured window (wall). */
  seconds: number;
  opsPerSecond: number;
  latencyMs: LatencySummaryMs;
  cpu: CpuUse;
  /** Requests in flight, sampled after every completion inside the window: min and max (both = outstanding when the pipeline was kept full). */
  inFlightMin: number;
  inFlightMax: number;
}

export interface ZkBenchRun {
  target: string;
  kind: TargetKind;
  repetition: number;
  /** Position of this target within its repetition (0 = first). */
  order: number;
  connect: string;
  server: { pid: number; startupMs: number; command: string[]; logFile: string } | null;
  /** First line of `srvr` (version) and its Mode line, when the server answers four-letter words. */
  serverInfo: { version: string | null; mode: string | null } | null;
  rootPath: string | null;
  prewarm: PhaseResult | null;
  phases: PhaseResult[];
  error: string | null;
}

export interface PhaseSummary {
  opsPerSecond: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  meanMs: Spread;
  clientCorePct: Spread;
  serverCorePct: Spread;
  otherCorePct: Spread;
  machineBusyPct: Spread;
}

export interface ZkBenchResult {
  tool: 'kzlab bench zk';
  schemaVersion: 1;
  label: string | null;
  startedAt: string;
  finishedAt: string;
  config: Omit<ZkBenchOptions, 'help' | 'json' | 'writeJson'> & { phases: string[]; prewarm: string };
  environment: {
    node: string;
    nodeZookeeperClient: string;
    hostname: string;
    os: string;
    arch: string;
    cpus: number;
    cpuModel: string;
    totalMemBytes: number;
    loadavgStart: number[];
    loadavgEnd: number[];
  };
  targets: ZkBenchTarget[];
  runs: ZkBenchRun[];
  /** summary[target][phase]: median and min-max over the successful repetitions. */
  summary: Record<string, Record<string, PhaseSummary>>;
  /** Names of the targets with at least one failed run. */
  failedTargets: string[];
}

// ---------------------------------------------------------------------------------------------
// Client helpers

const SESSION_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 20_000;
const DRAIN_TIMEOUT_MS = 30_000;
export const PREWARM_OUTSTANDING = 256;

export function describeZkError(error: ZkError): string {
  return `${error.name ?? 'error'}[${error.code}]`;
}

/** Client options a caller may change (kzlab bench quorum uses a shorter spinDelay for failover). */
export interface ConnectClientOptions {
  sessionTimeoutMs?: number;
  spinDelayMs?: number;
}

export function connectClient(connect: string, overrides: ConnectClientOptions = {}): Promise<ZkClient> {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(connect, {
      sessionTimeout: overrides.sessionTimeoutMs ?? SESSION_TIMEOUT_MS,
      spinDelay: overrides.spinDelayMs ?? 50,
      retries: 0,
    });
    const timer = setTimeout(() => {
      client.close();
      reject(
        new ZkBenchError(
          'CONNECTIONLOSS',
          `could not open a session to ${connect} within ${CONNECT_TIMEOUT_MS} ms`,
          true,
        ),
      );
    }, CONNECT_TIMEOUT_MS);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

export function closeClient(client: ZkClient): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, 2000);
    function done(): void {
      clearTimeout(timer);
      resolve();
    }
    client.once('disconnected', done);
    client.close();
  });
}

export function call<T>(fn: (cb: ZkCallback) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((error, result) => {
      if (error) reject(new ZkBenchError(error.name ?? 'ZK_ERROR', describeZkError(error)));
      else resolve(result as T);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The load driver: keeps exactly `outstanding` requests in flight (one per slot; a slot re-issues
// from its own completion callback), records latency of the completions inside the window.

export interface DriveSpec {
  outstanding: number;
  issue: (seq: number, callback: ZkCallback) => void;
  describe: (seq: number) => string;
  /** Count mode (sequential phases): unrecorded then recorded completions. */
  warmupOps?: number;
  measureOps?: number;
  /** Time mode (pipelined phases). */
  warmupMs?: number;
  measureMs?: number;
  histogram: LatencyHistogram;
  serverPids: readonly number[];
}

export interface DriveOutcome {
  ops: number;
  seconds: number;
  cpu: CpuUse;
  inFlightMin: number;
  inFlightMax: number;
}

export function drive(spec: DriveSpec): Promise<DriveOutcome> {
  return new Promise((resolve, reject) => {
    const K = spec.outstanding;
    const countMode = spec.measureOps !== undefined;
    const warmupOps = spec.warmupOps ?? 0;
    const totalOps = countMode ? warmupOps + (spec.measureOps as number) : Number.POSITIVE_INFINITY;
    const histogram = spec.histogram;
    const startedAt = new Float64Array(K);
    const seqOf = new Float64Array(K);
    const callbacks: ZkCallback[] = new Array(K);
    let issued = 0;
    let completed = 0;
    let inFlight = 0;
    let measuring = false;
    let stopping = false;
    let finished = false;
    let measured = 0;
    let inFlightMin = Number.POSITIVE_INFINITY;
    let inFlightMax = 0;
    let cpuStart: CpuSnapshot | null = null;
    let cpuEnd: CpuSnapshot | null = null;
    let windowStart = 0;
    let windowEnd = 0;
    const timers: NodeJS.Timeout[] = [];

    const finish = (): void => {
      if (finished) return;
      finished = true;
      for (const t of timers) clearTimeout(t);
      if (cpuStart === null || cpuEnd === null) {
        reject(new ZkBenchError('NO_WINDOW', 'the measurement window never opened'));
        return;
      }
      resolve({
        ops: measured,
        seconds: (windowEnd - windowStart) / 1000,
        cpu: cpuUse(cpuStart, cpuEnd),
        inFlightMin: measured > 0 ? inFlightMin : 0,
        inFlightMax,
      });
    };
    const fail = (error: Error): void => {
      if (finished) return;
      finished = true;
      for (const t of timers) clearTimeout(t);
      reject(error);
    };
    const openWindow = (): void => {
      cpuStart = cpuSnapshot(spec.serverPids);
      windowStart = performance.now();
      measuring = true;
    };
    const closeWindow = (): void => {
      measuring = false;
      stopping = true;
      windowEnd = performance.now();
      cpuEnd = cpuSnapshot(spec.serverPids);
    };
    const issueOn = (slot: number): void => {
      const seq = issued++;
      seqOf[slot] = seq;
      inFlight++;
      startedAt[slot] = performance.now();
      spec.issue(seq, callbacks[slot]);
    };

    for (let slot = 0; slot < K; slot++) {
      callbacks[slot] = (error) => {
        const now = performance.now();
        inFlight--;
        if (finished) return;
        if (error) {
          fail(
            new ZkBenchError(
              error.name ?? 'ZK_ERROR',
              `${spec.describe(seqOf[slot])} failed: ${describeZkError(error)}`,
            ),
          );
          return;
        }
        if (measuring) {
          histogram.recordMs(now - startedAt[slot]);
          measured++;
        }
        completed++;
        if (countMode) {
          if (completed === warmupOps) openWindow();
          if (completed === totalOps) {
            closeWindow();
            finish();
            return;
          }
        }
        if (!stopping && issued < totalOps) issueOn(slot);
        if (measuring) {
          if (inFlight < inFlightMin) inFlightMin = inFlight;
          if (inFlight > inFlightMax) inFlightMax = inFlight;
        }
        if (stopping && inFlight === 0) finish();
      };
    }

    if (countMode) {
      if (warmupOps === 0) openWindow();
    } else {
      const warmupMs = spec.warmupMs ?? 0;
      const measureMs = spec.measureMs ?? 1000;
      const open = (): void => {
        openWindow();
        timers.push(
          setTimeout(() => {
            closeWindow();
            if (inFlight === 0) {
              finish();
              return;
            }
            const drainTimer = setTimeout(
              () =>
                fail(
                  new ZkBenchError(
                    'DRAIN_TIMEOUT',
                    `${inFlight} requests still outstanding ${DRAIN_TIMEOUT_MS} ms after the window closed`,
                    true,
                  ),
                ),
              DRAIN_TIMEOUT_MS,
            );
            drainTimer.unref();
            timers.push(drainTimer);
          }, measureMs),
        );
      };
      if (warmupMs > 0) timers.push(setTimeout(open, warmupMs));
      else open();
    }
    const initial = Math.min(K, totalOps);
    for (let slot = 0; slot < initial; slot++) issueOn(slot);
  });
}

// ---------------------------------------------------------------------------------------------
// One protocol run against one connect string

export interface ProtocolContext {
  client: ZkClient;
  root: string;
  nodePaths: string[];
  value: Buffer;
  serverPids: readonly number[];
  options: ZkBenchOptions;
  log: (line: string) => void;
}

export function makeIssuer(
  ctx: ProtocolContext,
  op: PhaseOp,
): { issue: DriveSpec['issue']; describe: DriveSpec['describe'] } {
  const { client, nodePaths, value, root } = ctx;
  const n = nodePaths.length;
  const persistent = zookeeper.CreateMode.PERSISTENT;
  switch (op) {
    case 'create':
      return {
        issue: (seq, cb) => client.create(`${root}/c-${seq}`, value, persistent, cb),
        describe: (seq) => `create ${root}/c-${seq}`,
      };
    case 'setData':
      return {
        issue: (seq, cb) => client.setData(nodePaths[seq % n], value, -1, cb),
        describe: (seq) => `setData ${nodePaths[seq % n]}`,
      };
    case 'getData':
      return {
        issue: (seq, cb) => client.getData(nodePaths[seq % n], cb),
        describe: (seq) => `getData ${nodePaths[seq % n]}`,
      };
    case 'mixed': {
      // 80 % getData / 20 % setData, from a fixed-seed xorshift so every run issues the same sequence.
      let state = 0x9e3779b9;
      return {
        issue: (seq, cb) => {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          const path = nodePaths[seq % n];
          if ((state >>> 0) % 5 === 0) client.setData(path, value, -1, cb);
          else client.getData(path, cb);
        },
        describe: (seq) => `getData/setData ${nodePaths[seq % n]}`,
      };
    }
  }
}

export async function runPhase(
  ctx: ProtocolContext,
  op: PhaseOp,
  mode: 'sequential' | 'pipelined',
  outstanding: number,
  timing: { warmupOps: number; measureOps: number } | { warmupMs: number; measureMs: number },
  name: string,
): Promise<PhaseResult> {
  const histogram = new LatencyHistogram();
  const { issue, describe } = makeIssuer(ctx, op);
  const outcome = await drive({
    outstanding,
    issue,
    describe,
    histogram,
    serverPids: ctx.serverPids,
    ...timing,
  });
  const result: PhaseResult = {
    name,
    op,
    mode,
    outstanding,
    ops: outcome.ops,
    seconds: outcome.seconds,
    opsPerSecond: outcome.seconds > 0 ? outcome.ops / outcome.seconds : Number.NaN,
    latencyMs: histogram.summaryMs(),
    cpu: outcome.cpu,
    inFlightMin: outcome.inFlightMin,
    inFlightMax: outcome.inFlightMax,
  };
  ctx.log(`    ${phaseLine(result)}`);
  return result;
}

export function phaseLine(p: PhaseResult): string {
  const cpu =
    `client ${fmtPct(p.cpu.clientCorePct)}${p.cpu.serverCorePct !== null ? `, server ${fmtPct(p.cpu.serverCorePct)}` : ''}` +
    `${p.cpu.machineBusyPct !== null ? `, machine ${fmtPct(p.cpu.machineBusyPct)} busy` : ''}`;
  return `${p.name.padEnd(20)} ${fmtRate(p.opsPerSecond).padStart(8)} ops/s  p50 ${fmtMs(p.latencyMs.p50)}  p99 ${fmtMs(p.latencyMs.p99)}  mean ${fmtMs(p.latencyMs.mean)} ms  (${p.ops} ops; cpu ${cpu})`;
}

/** Run, in parallel with `limit` in flight, `fn` over items; rejects on the first failure. */
export async function pipelinedAll<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers: Promise<void>[] = [];
  for (let w = 0; w < Math.min(limit, items.length); w++) {
    workers.push(
      (async () => {
        while (next < items.length) await fn(items[next++]);
      })(),
    );
  }
  await Promise.all(workers);
}

export async function removeTree(client: ZkClient, root: string): Promise<void> {
  let children: string[];
  try {
    children = await call<string[]>((cb) => client.getChildren(root, cb));
  } catch (error) {
    if (error instanceof ZkBenchError && error.code === 'NO_NODE') return;
    throw error;
  }
  await pipelinedAll(children, 256, async (child) => {
    try {
      await call((cb) => client.remove(`${root}/${child}`, -1, cb));
    } catch (error) {
      if (!(error instanceof ZkBenchError && error.code === 'NO_NODE')) throw error;
    }
  });
  await call((cb) => client.remove(root, -1, cb));
}

export async function serverInfo(
  connect: string,
): Promise<{ version: string | null; mode: string | null } | null> {
  const first = connect.split('/')[0].split(',')[0].trim();
  const colon = first.lastIndexOf(':');
  const host = first.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(first.slice(colon + 1));
  // `ruok` answers imok as soon as the process listens; `srvr` says "not currently serving" until the
  // server is up, so retry that for a few seconds.
  const deadline = performance.now() + 5000;
  for (;;) {
    try {
      const text = await fourLetterWord(host, port, 'srvr', 1500);
      if (text.trim() === '') return null;
      const version = /^Zookeeper version:\s*(.*)$/im.exec(text)?.[1]?.trim() ?? null;
      const mode = /^Mode:\s*(.*)$/im.exec(text)?.[1]?.trim() ?? null;
      if ((version !== null && mode !== null) || performance.now() > deadline) return { version, mode };
    } catch {
      return null;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function phaseNames(options: Pick<ZkBenchOptions, 'outstanding'>): string[] {
  const names = ['create-seq', 'setData-seq', 'getData-seq'];
  for (const k of options.outstanding) names.push(`setData@${k}`, `getData@${k}`);
  return names;
}

async function runProtocol(
  connect: string,
  serverPids: readonly number[],
  prewarmSeconds: number,
  options: ZkBenchOptions,
  log: (line: string) => void,
  run: ZkBenchRun,
): Promise<void> {
  const client = await connectClient(connect);
  const root = `/kzlab-bench-${Date.now().toString(36)}-${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const value = Buffer.alloc(options.valueBytes, 0x61);
  const nodePaths = Array.from(
    { length: options.znodes },
    (_, i) => `${root}/n-${String(i).padStart(4, '0')}`,
  );
  const pids = expandProcessTrees(serverPids);
  const ctx: ProtocolContext = { client, root, nodePaths, value, serverPids: pids, options, log };
  let rootCreated = false;
  try {
    await call((cb) => client.create(root, Buffer.alloc(0), zookeeper.CreateMode.PERSISTENT, cb));
    rootCreated = true;
    run.rootPath = root;
    await pipelinedAll(nodePaths, 64, (path) =>
      call((cb) => client.create(path, value, zookeeper.CreateMode.PERSISTENT, cb)),
    );
    const check = await call<Buffer>((cb) => client.getData(nodePaths[0], cb));
    if (check.length !== options.valueBytes) {
      throw new ZkBenchError(
        'BAD_READ',
        `getData ${nodePaths[0]} returned ${check.length} bytes, expected ${options.valueBytes}`,
      );
    }

    if (prewarmSeconds > 0) {
      log(
        `    pre-warm: ${prewarmSeconds} s of 80/20 getData/setData at ${PREWARM_OUTSTANDING} outstanding (not reported)`,
      );
      run.prewarm = await runPhase(
        ctx,
        'mixed',
        'pipelined',
        PREWARM_OUTSTANDING,
        { warmupMs: 0, measureMs: prewarmSeconds * 1000 },
        `prewarm-mixed@${PREWARM_OUTSTANDING}`,
      );
    }

    const seq = { warmupOps: options.warmupOps, measureOps: options.ops };
    run.phases.push(await runPhase(ctx, 'create', 'sequential', 1, seq, 'create-seq'));
    run.phases.push(await runPhase(ctx, 'setData', 'sequential', 1, seq, 'setData-seq'));
    run.phases.push(await runPhase(ctx, 'getData', 'sequential', 1, seq, 'getData-seq'));
    const window = { warmupMs: options.warmupSeconds * 1000, measureMs: options.seconds * 1000 };
    for (const k of options.outstanding) {
      run.phases.push(await runPhase(ctx, 'setData', 'pipelined', k, window, `setData@${k}`));
      run.phases.push(await runPhase(ctx, 'getData', 'pipelined', k, window, `getData@${k}`));
    }
  } finally {
    if (rootCreated) {
      try {
        await removeTree(client, root);
      } catch (error) {
        log(`    warning: could not remove ${root}: ${(error as Error).message}`);
      }
    }
    await closeClient(client);
  }
}

// ---------------------------------------------------------------------------------------------
// The benchmark

export function targetsFor(options: ZkBenchOptions): ZkBenchTarget[] {
  const targets: ZkBenchTarget[] = [];
  if (options.connect !== null)
    targets.push({ name: options.label ?? 'connect', kind: 'external', connect: options.connect });
  if (options.startKzlab) targets.push({ name: 'kzlab', kind: 'kzlab', connect: null });
  if (options.compareRealZookeeper)
    targets.push({ name: 'zookeeper-3.8', kind: 'real-zookeeper', connect: null });
  // names must be unique (a --label could clash with a built-in one)
  const seen = new Set<string>();
  for (const t of targets) {
    let name = t.name;
    for (let i = 2; seen.has(name); i++) name = `${t.name}-${i}`;
    t.name = name;
    seen.add(name);
  }
  return targets;
}

/** Targets of repetition `rep` (0-based), rotated so that each target goes first in turn. */
export function interleave<T>(targets: readonly T[], rep: number): T[] {
  const n = targets.length;
  if (n === 0) return [];
  const shift = rep % n;
  return [...targets.slice(shift), ...targets.slice(0, shift)];
}

export interface RunZkBenchHooks {
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export async function runZkBench(
  options: ZkBenchOptions,
  hooks: RunZkBenchHooks = {},
): Promise<ZkBenchResult> {
  const log = hooks.log ?? (() => {});
  const startedAt = new Date();
  const loadavgStart = loadavg();
  const targets = targetsFor(options);
  if (targets.length === 0)
    throw new ZkBenchArgsError(
      'nothing to benchmark: give --connect, --compare-real-zookeeper or --start-kzlab',
    );
  const runs: ZkBenchRun[] = [];

  for (let rep = 0; rep < options.repeat; rep++) {
    const order = interleave(targets, rep);
    for (let position = 0; position < order.length; position++) {
      const target = order[position];
      log(
        `[rep ${rep + 1}/${options.repeat}] ${target.name}${target.connect !== null ? ` (${target.connect})` : ''}`,
      );
      const run: ZkBenchRun = {
        target: target.name,
        kind: target.kind,
        repetition: rep,
        order: position,
        connect: target.connect ?? '',
        server: null,
        serverInfo: null,
        rootPath: null,
        prewarm: null,
        phases: [],
        error: null,
      };
      runs.push(run);
      let started: StartedServer | null = null;
      try {
        let serverPids: number[] = options.serverPids;
        let prewarmSeconds = options.prewarmSeconds ?? 0;
        if (target.kind !== 'external') {
          log(
            `    starting ${target.kind === 'kzlab' ? 'kzlab (zookeeper-ensemble/main.ts)' : 'Apache ZooKeeper 3.8 standalone'} (forceSync=${options.forceSync ? 'yes' : 'no'})`,
          );
          started = await startServer(target.kind, {
            forceSync: options.forceSync,
            readyTimeoutMs: options.readyTimeoutSeconds * 1000,
          });
          log(
            `    ready on ${started.connect} after ${Math.round(started.startupMs)} ms (pid ${started.pid})`,
          );
          run.connect = started.connect;
          run.server = {
            pid: started.pid,
            startupMs: started.startupMs,
            command: started.command,
            logFile: started.logFile,
          };
          serverPids = [started.pid];
          prewarmSeconds = options.prewarmSeconds ?? 5;
        }
        run.serverInfo = await serverInfo(run.connect);
        await runProtocol(run.connect, serverPids, prewarmSeconds, options, log, run);
      } catch (error) {
        run.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        log(`    FAILED: ${run.error}`);
      } finally {
        if (started !== null) await started.stop();
      }
    }
  }

  const summary: ZkBenchResult['summary'] = {};
  const names = phaseNames(options);
  for (const target of targets) {
    const ok = runs.filter((r) => r.target === target.name && r.error === null);
    const perPhase: Record<string, PhaseSummary> = {};
    for (const name of names) {
      const phases = ok
        .map((r) => r.phases.find((p) => p.name === name))
        .filter((p): p is PhaseResult => p !== undefined);
      if (phases.length === 0) continue;
      perPhase[name] = {
        opsPerSecond: spread(phases.map((p) => p.opsPerSecond)),
        p50Ms: spread(phases.map((p) => p.latencyMs.p50)),
        p99Ms: spread(phases.map((p) => p.latencyMs.p99)),
        meanMs: spread(phases.map((p) => p.latencyMs.mean)),
        clientCorePct: spread(phases.map((p) => p.cpu.clientCorePct)),
        serverCorePct: spread(phases.map((p) => p.cpu.serverCorePct ?? Number.NaN)),
        otherCorePct: spread(phases.map((p) => p.cpu.otherCorePct ?? Number.NaN)),
        machineBusyPct: spread(phases.map((p) => p.cpu.machineBusyPct ?? Number.NaN)),
      };
    }
    summary[target.name] = perPhase;
  }

  const { help: _help, json: _json, writeJson: _writeJson, ...config } = options;
  return {
    tool: 'kzlab bench zk',
    schemaVersion: 1,
    label: options.label,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    config: {
      ...config,
      phases: names,
      prewarm: `80/20 getData/setData at ${PREWARM_OUTSTANDING} outstanding; ${options.prewarmSeconds ?? '5 (started servers) / 0 (--connect)'} s`,
    },
    environment: {
      node: process.version,
      nodeZookeeperClient: zookeeperClientVersion,
      hostname: hostname(),
      os: `${osType()} ${osRelease()}`,
      arch: process.arch,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      totalMemBytes: totalmem(),
      loadavgStart,
      loadavgEnd: loadavg(),
    },
    targets,
    runs,
    summary,
    failedTargets: targets
      .filter((t) => runs.some((r) => r.target === t.name && r.error !== null))
      .map((t) => t.name),
  };
}

// ---------------------------------------------------------------------------------------------
// JSON file and table

export function defaultJsonPath(
  result: Pick<ZkBenchResult, 'startedAt' | 'label'>,
  cwd = process.cwd(),
): string {
  const stamp = result.startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return resolvePath(
    cwd,
    'bench-results',
    `zk-${stamp}${result.label !== null ? `-${result.label}` : ''}.json`,
  );
}

/** Write the result as JSON (creating the folder) and return the absolute path. */
export function writeZkBenchJson(result: ZkBenchResult, file: string | null): string {
  const path = file !== null ? resolvePath(file) : defaultJsonPath(result);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

export function fmtMs(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

export function fmtRate(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return Math.round(v).toLocaleString('en-US');
}

export function fmtPct(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return `${Math.round(v)}%`;
}

export function fmtSpread(s: Spread | undefined, fmt: (v: number) => string): string {
  if (s === undefined || s.n === 0) return '-';
  if (s.n === 1) return fmt(s.median);
  return `${fmt(s.median)} [${fmt(s.min)}-${fmt(s.max)}]`;
}

/** A client at or above this share of one core may itself be the bottleneck. */
export const CLIENT_BOUND_CORE_PCT = 85;

interface Row {
  /** Summary key (create-seq, setData@64 …). */
  key: string;
  /** Display label, only on the first row of a phase. */
  phase: string;
  metric: string;
  unit: string;
  pick: (s: PhaseSummary) => Spread;
  fmt: (v: number) => string;
  /** Show a ratio column for this row when two targets are compared. */
  ratio: boolean;
}

function rowsFor(names: string[]): Row[] {
  const rows: Row[] = [];
  const pct = (v: number): string => fmtPct(v);
  for (const name of names) {
    const pipelined = name.includes('@');
    const label = pipelined ? name.replace('@', ' @') : name.replace('-seq', ' seq');
    const phaseRows: Omit<Row, 'key' | 'phase'>[] = [];
    if (pipelined)
      phaseRows.push({
        metric: 'throughput',
        unit: 'ops/s',
        pick: (s) => s.opsPerSecond,
        fmt: fmtRate,
        ratio: true,
      });
    phaseRows.push({ metric: 'p50', unit: 'ms', pick: (s) => s.p50Ms, fmt: fmtMs, ratio: true });
    phaseRows.push({ metric: 'p99', unit: 'ms', pick: (s) => s.p99Ms, fmt: fmtMs, ratio: true });
    if (!pipelined)
      phaseRows.push({ metric: 'mean', unit: 'ms', pick: (s) => s.meanMs, fmt: fmtMs, ratio: true });
    phaseRows.push({
      metric: 'cpu client',
      unit: '%core',
      pick: (s) => s.clientCorePct,
      fmt: pct,
      ratio: false,
    });
    phaseRows.push({
      metric: 'cpu server',
      unit: '%core',
      pick: (s) => s.serverCorePct,
      fmt: pct,
      ratio: false,
    });
    phaseRows.push({
      metric: 'cpu other',
      unit: '%core',
      pick: (s) => s.otherCorePct,
      fmt: pct,
      ratio: false,
    });
    phaseRows.forEach((r, i) => rows.push({ ...r, key: name, phase: i === 0 ? label : '' }));
  }
  return rows;
}

/** Fixed-width table: one column per target (median [min-max] over repetitions when repeated). */
export function formatZkBenchTable(result: ZkBenchResult): string {
  const names = result.config.phases;
  const targets = result.targets;
  const lines: string[] = [];
  const env = result.environment;
  const la = (v: number[]): string => v.map((x) => x.toFixed(1)).join('/');
  lines.push(
    `kzlab bench zk${result.label !== null ? ` "${result.label}"` : ''}  ${result.startedAt.replace(/\.\d+Z$/, 'Z')}  node ${env.node}  ${env.hostname}  ${env.cpus} cpus  loadavg ${la(env.loadavgStart)} -> ${la(env.loadavgEnd)}`,
  );
  const c = result.config;
  lines.push(
    `${c.valueBytes}-byte values, ${c.znodes} znodes; sequential: ${c.ops} ops (after ${c.warmupOps}); pipelined: ${c.seconds} s window after ${c.warmupSeconds} s warm-up` +
      `${c.repeat > 1 ? `; ${c.repeat} interleaved repetitions, median [min-max]` : ''}`,
  );
  for (const t of targets) {
    const runs = result.runs.filter((r) => r.target === t.name);
    const first = runs[0];
    let what: string;
    if (t.kind === 'external') what = `--connect ${t.connect}`;
    else if (t.kind === 'real-zookeeper') what = 'Apache ZooKeeper 3.8 standalone started here';
    else what = 'kzlab zookeeper-ensemble/main.ts standalone started here';
    const extra: string[] = [];
    if (t.kind !== 'external') {
      extra.push(
        `fresh per repetition, forceSync=${c.forceSync ? 'yes' : 'no'}, pre-warm ${c.prewarmSeconds ?? 5} s`,
      );
      const startups = runs.map((r) => r.server?.startupMs).filter((v): v is number => v !== undefined);
      if (startups.length > 0)
        extra.push(`start-up ${fmtSpread(spread(startups), (v) => `${Math.round(v)}`)} ms`);
    } else if (c.prewarmSeconds !== null && c.prewarmSeconds > 0)
      extra.push(`pre-warm ${c.prewarmSeconds} s`);
    if (first?.serverInfo?.version)
      extra.push(
        `version ${first.serverInfo.version.split(',')[0]}${first.serverInfo.mode ? `, ${first.serverInfo.mode}` : ''}`,
      );
    lines.push(`  ${t.name}: ${what}${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`);
    for (const r of runs)
      if (r.error !== null) lines.push(`    rep ${r.repetition + 1} FAILED: ${r.error.split('\n')[0]}`);
  }
  lines.push('');

  if (targets.every((t) => Object.keys(result.summary[t.name] ?? {}).length === 0)) {
    lines.push('no results: every run failed (see above).');
    return lines.join('\n');
  }
  const showRatio = targets.length === 2;
  const header = ['phase', 'metric', 'unit', ...targets.map((t) => t.name)];
  if (showRatio) header.push(`${targets[0].name}/${targets[1].name}`);
  const body: string[][] = [];
  const clientBoundMarks: string[] = [];
  for (const row of rowsFor(names)) {
    const cells = [row.phase, row.metric, row.unit];
    const medians: number[] = [];
    for (const t of targets) {
      const s = result.summary[t.name]?.[row.key];
      const sp = s === undefined ? undefined : row.pick(s);
      let cell = fmtSpread(sp, row.fmt);
      if (row.metric === 'cpu client' && sp !== undefined && sp.median >= CLIENT_BOUND_CORE_PCT) {
        cell += ' !';
        clientBoundMarks.push(t.name);
      }
      cells.push(cell);
      medians.push(sp?.median ?? Number.NaN);
    }
    if (showRatio) {
      const ratio = medians[0] / medians[1];
      cells.push(row.ratio && Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '');
    }
    body.push(cells);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const fmtLine = (cells: string[]): string =>
    cells
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  lines.push(fmtLine(header));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  let previousPhase = '';
  for (const cells of body) {
    if (cells[0] !== '' && previousPhase !== '') lines.push('');
    if (cells[0] !== '') previousPhase = cells[0];
    lines.push(fmtLine(cells));
  }
  lines.push('');
  for (const r of result.runs) {
    for (const p of r.phases) {
      if (p.mode === 'pipelined' && (p.inFlightMin !== p.outstanding || p.inFlightMax !== p.outstanding)) {
        lines.push(
          `warning: ${r.target} rep ${r.repetition + 1} ${p.name}: in flight ranged ${p.inFlightMin}-${p.inFlightMax}, not exactly ${p.outstanding}`,
        );
      }
    }
  }
  lines.push(
    'cpu: % of ONE core over the measured window (client = this process; server = the server process tree; other = rest of the machine).',
  );
  if (clientBoundMarks.length > 0) {
    lines.push(
      `! client at >= ${CLIENT_BOUND_CORE_PCT}% of a core: the single-threaded client may be the bottleneck there, not the server.`,
    );
  }
  return lines.join('\n');
}
