// `kzlab bench quorum`: what a 5-server ZooKeeper ensemble costs and buys compared with 3 servers, for our
// ZooKeeper and (with --real-zookeeper) Debian's Apache ZooKeeper 3.8 side by side, measured with the
// protocol of /work/shared/reference/zookeeper-measured.md on fresh ensembles.
//
// Each (implementation, size) is a target. A repetition runs every target once on a fresh ensemble; the
// order rotates from one repetition to the next (zk-bench.ts `interleave`), so that slow phases of a shared
// machine do not always hit the same target. Every figure is reported as the median with min–max over
// the repetitions (the leader-kill figures pool every kill of every repetition).
//
// Files: quorum-ensemble.ts (start/time/kill ensembles), quorum-phases.ts (one run), quorum-report.ts
// (HTML chart and the 3-vs-5 explanation), this file (flags, schedule, summary, table, JSON).

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, totalmem, type as osType, release as osRelease } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import { createRequire } from 'node:module';

import { parseFlags, formatFlagHelp, UsageError, type FlagSpecs } from '../cli/flags.ts';
import type { ZooKeeperImpl } from '../cluster/spec.ts';
import { spread, type Spread } from './histogram.ts';
import {
  quorumPhaseNames,
  runQuorumTarget,
  type QuorumRun,
  type QuorumRunSettings,
} from './quorum-phases.ts';
import { CLIENT_BOUND_CORE_PCT, fmtMs, fmtRate, interleave } from './zk-bench.ts';

// ---------------------------------------------------------------------------------------------
// Options

export interface QuorumBenchOptions extends QuorumRunSettings {
  readonly sizes: readonly number[];
  /** Also run Debian's Apache ZooKeeper 3.8 ensembles. */
  readonly realZookeeper: boolean;
  readonly repeat: number;
  /** Result files; null = bench-results/quorum-<timestamp>.json / .html. */
  readonly json: string | null;
  readonly html: string | null;
  readonly help: boolean;
}

export const QUORUM_BENCH_FLAGS = {
  sizes: {
    type: 'list',
    default: ['3', '5'],
    valueName: 'N,N',
    description: 'ensemble sizes, 3 to 9 servers',
  },
  'real-zookeeper': {
    type: 'boolean',
    description: "also run Debian's Apache ZooKeeper 3.8 ensembles, interleaved with ours",
  },
  repeat: {
    type: 'number',
    integer: true,
    min: 1,
    max: 100,
    default: 3,
    description: 'fresh ensembles per size (≥ 3 for medians)',
  },
  seconds: {
    type: 'number',
    min: 0.2,
    max: 3600,
    default: 3,
    valueName: 'S',
    description: 'measured window of each pipelined phase',
  },
  'warmup-seconds': {
    type: 'number',
    min: 0,
    max: 600,
    default: 1,
    valueName: 'S',
    description: 'unrecorded load before each window',
  },
  'prewarm-seconds': {
    type: 'number',
    min: 0,
    max: 600,
    default: 3,
    valueName: 'S',
    description: 'unreported 80/20 get/set load @256 on a fresh ensemble (the baseline used 5)',
  },
  ops: {
    type: 'number',
    integer: true,
    min: 10,
    max: 10_000_000,
    default: 2000,
    description: 'sequential setData ops measured',
  },
  'warmup-ops': {
    type: 'number',
    integer: true,
    min: 0,
    max: 1_000_000,
    default: 100,
    description: 'sequential ops before those',
  },
  outstanding: {
    type: 'list',
    default: ['64', '256'],
    valueName: 'K,K',
    description: 'pipelined setData depths',
  },
  'read-outstanding': {
    type: 'number',
    integer: true,
    min: 1,
    max: 100_000,
    default: 256,
    valueName: 'K',
    description: 'getData depth (one session, and spread)',
  },
  'spread-sessions': {
    type: 'number',
    integer: true,
    min: 1,
    max: 1000,
    default: 15,
    description: 'sessions of the spread-read phase, round-robin over all servers',
  },
  kills: {
    type: 'number',
    integer: true,
    min: 0,
    max: 50,
    default: 2,
    description: 'leader kills per run (each killed leader is restarted)',
  },
  'op-timeout-seconds': {
    type: 'number',
    min: 0.1,
    max: 600,
    default: 5,
    valueName: 'S',
    description: 'failover writer: abandon an op after this',
  },
  'check-timeout-seconds': {
    type: 'number',
    min: 0.1,
    max: 600,
    default: 5,
    valueName: 'S',
    description: 'failures phase: a write must succeed within this after each kill',
  },
  'outage-timeout-seconds': {
    type: 'number',
    min: 1,
    max: 3600,
    default: 30,
    valueName: 'S',
    description: 'give up on a failover after this',
  },
  'spin-delay-ms': {
    type: 'number',
    integer: true,
    min: 0,
    max: 60_000,
    default: 10,
    valueName: 'MS',
    description: 'client reconnect back-off of the failover writers',
  },
  'force-sync': {
    type: 'string',
    default: 'yes',
    valueName: 'yes|no',
    description: 'zoo.cfg forceSync of every server',
  },
  'tick-time': {
    type: 'number',
    integer: true,
    min: 1,
    max: 60_000,
    default: 2000,
    valueName: 'MS',
    description: 'zoo.cfg tickTime',
  },
  'ready-timeout-seconds': {
    type: 'number',
    min: 1,
    max: 3600,
    default: 60,
    valueName: 'S',
    description: 'launch → serving deadline',
  },
  keep: {
    type: 'boolean',
    description: "keep each run's lab directory (zoo.cfg, data, every server's log) in the temp dir",
  },
  json: {
    type: 'string',
    valueName: 'FILE',
    description: 'result JSON (default bench-results/quorum-<time>.json)',
  },
  html: { type: 'string', valueName: 'FILE', description: 'chart page (default: the JSON path with .html)' },
} as const satisfies FlagSpecs;

export const QUORUM_BENCH_DESCRIPTION = `Starts fresh ensembles (sizes interleaved, repeated; medians with min-max) and reports per
size: sequential write latency p50/p99, pipelined write throughput at 64/256 outstanding, read
throughput with one session on a follower and with sessions spread over all servers, the write
outage after kill -9 of the leader, start-to-serving time, and how many failures the size survives.
Output: a table on stdout, JSON, and an HTML page with charts and the 3-vs-5 explanation.

Protocol (as /work/shared/reference/zookeeper-measured.md): node-zookeeper-client, one session on
a FOLLOWER for the main phases, 100-byte values, 64 znodes, a pre-warm of the fresh ensemble, a
warm-up before each window. Failover: a writer on a surviving follower keeps one setData
outstanding; outage = kill -9 -> completion of the first write issued after the leader was gone.
Failures survived: followers are killed one by one until a write no longer succeeds in time.

The defaults keep \`--sizes 3,5 --repeat 3\` at about 4 minutes on a 2-core machine (about twice
that with --real-zookeeper). For steadier figures use longer windows, e.g.
  --seconds 8 --prewarm-seconds 5 --ops 3000 --kills 4 --repeat 5`;

export const QUORUM_BENCH_USAGE = `Usage: kzlab bench quorum [flags]

${QUORUM_BENCH_DESCRIPTION}

Flags:
${formatFlagHelp(QUORUM_BENCH_FLAGS)}
`;

function parseIntList(name: string, items: readonly string[], min: number, max: number): number[] {
  const values = items.map((item) => {
    const value = Number(item);
    if (!Number.isInteger(value))
      throw new UsageError(`--${name} expects whole numbers, got ${JSON.stringify(item)}`);
    if (value < min || value > max) throw new UsageError(`--${name}: ${value} is not within ${min}..${max}`);
    return value;
  });
  if (values.length === 0) throw new UsageError(`--${name} needs at least one value`);
  if (new Set(values).size !== values.length)
    throw new UsageError(`--${name} lists a value twice: ${items.join(',')}`);
  return values;
}

/** Parses everything after `bench quorum`. Throws UsageError (exit 2) on bad flags. */
export function parseQuorumBenchArgs(argv: readonly string[]): QuorumBenchOptions {
  const { flags, positionals, help } = parseFlags(argv, QUORUM_BENCH_FLAGS);
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(positionals[0])} (flags start with --; see --help)`,
    );
  }
  const forceSync = flags['force-sync'].trim().toLowerCase();
  if (forceSync !== 'yes' && forceSync !== 'no') {
    throw new UsageError(`--force-sync expects yes or no, got ${JSON.stringify(flags['force-sync'])}`);
  }
  for (const name of ['json', 'html'] as const) {
    if (flags[name] !== undefined && flags[name].trim() === '')
      throw new UsageError(`--${name} needs a file name`);
  }
  return {
    sizes: parseIntList('sizes', flags.sizes, 3, 9),
    realZookeeper: flags['real-zookeeper'],
    repeat: flags.repeat,
    seconds: flags.seconds,
    warmupSeconds: flags['warmup-seconds'],
    prewarmSeconds: flags['prewarm-seconds'],
    ops: flags.ops,
    warmupOps: flags['warmup-ops'],
    outstanding: parseIntList('outstanding', flags.outstanding, 1, 100_000),
    readOutstanding: flags['read-outstanding'],
    spreadSessions: flags['spread-sessions'],
    kills: flags.kills,
    opTimeoutSeconds: flags['op-timeout-seconds'],
    checkTimeoutSeconds: flags['check-timeout-seconds'],
    outageTimeoutSeconds: flags['outage-timeout-seconds'],
    spinDelayMs: flags['spin-delay-ms'],
    valueBytes: 100,
    znodes: 64,
    forceSync: forceSync === 'yes',
    tickTimeMs: flags['tick-time'],
    readyTimeoutSeconds: flags['ready-timeout-seconds'],
    pollIntervalMs: 20,
    keep: flags.keep,
    json: flags.json ?? null,
    html: flags.html ?? null,
    help,
  };
}

// ---------------------------------------------------------------------------------------------
// Schedule

export interface QuorumTarget {
  /** `kzlab-3`, `apache-5` */
  readonly name: string;
  readonly impl: ZooKeeperImpl;
  readonly size: number;
}

export const IMPL_LABEL: Readonly<Record<ZooKeeperImpl, string>> = {
  kzlab: 'kzlab',
  apache: 'ZooKeeper 3.8',
};

/** Targets in their base order: sizes as given, ours before Apache within a size (so impls alternate). */
export function quorumTargets(options: Pick<QuorumBenchOptions, 'sizes' | 'realZookeeper'>): QuorumTarget[] {
  const impls: ZooKeeperImpl[] = options.realZookeeper ? ['kzlab', 'apache'] : ['kzlab'];
  const targets: QuorumTarget[] = [];
  for (const size of options.sizes)
    for (const impl of impls) targets.push({ name: `${impl}-${size}`, impl, size });
  return targets;
}

export interface ScheduledRun {
  readonly repetition: number;
  /** Position within the repetition. */
  readonly order: number;
  readonly target: QuorumTarget;
}

/** Every run in execution order: repetition by repetition, the target list rotated by one each time. */
export function quorumSchedule(
  options: Pick<QuorumBenchOptions, 'sizes' | 'realZookeeper' | 'repeat'>,
): ScheduledRun[] {
  const targets = quorumTargets(options);
  const out: ScheduledRun[] = [];
  for (let repetition = 0; repetition < options.repeat; repetition++) {
    interleave(targets, repetition).forEach((target, order) => out.push({ repetition, order, target }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Metrics and summary

export type MetricKey =
  | 'startMs'
  | 'answeringMs'
  | 'writeP50Ms'
  | 'writeP99Ms'
  | `write@${number}`
  | 'readOne'
  | 'readSpread'
  | 'outageMs'
  | 'leaderVisibleMs'
  | 'rejoinMs'
  | 'failuresSurvived'
  | 'fsyncP50Ms'
  | 'fsyncP99Ms';

export interface MetricDef {
  readonly key: MetricKey;
  readonly label: string;
  readonly unit: 'ms' | 'ops/s' | 'servers';
  readonly better: 'lower' | 'higher';
  /** Pooled over every sample of every run (leader kills) rather than one value per run. */
  readonly pooled: boolean;
  /** The issue's target for our ZooKeeper, by ensemble size. */
  readonly target?: Readonly<Record<number, number>>;
  /** Shown in the HTML under the chart. */
  readonly note: string;
}

/** The issue's targets for ours: 3 / 5 servers. */
export const KZLAB_TARGETS = {
  writeP50Ms: { 3: 0.6, 5: 0.7 },
  pipelinedWrites: { 3: 20_000, 5: 15_000 },
  reads: { 3: 30_000, 5: 30_000 },
  outageMs: { 3: 300, 5: 300 },
  startMs: { 3: 500, 5: 500 },
} as const;

export function quorumMetrics(
  options: Pick<QuorumBenchOptions, 'outstanding' | 'readOutstanding' | 'spreadSessions'>,
): MetricDef[] {
  const deepest = Math.max(...options.outstanding);
  const metrics: MetricDef[] = [
    {
      key: 'writeP50Ms',
      label: 'sequential setData p50',
      unit: 'ms',
      better: 'lower',
      pooled: false,
      target: KZLAB_TARGETS.writeP50Ms,
      note: 'One write at a time on one session connected to a follower: follower → leader → PROPOSAL to every follower, each logs and fsyncs, ACKs from a majority, COMMIT, reply.',
    },
    {
      key: 'writeP99Ms',
      label: 'sequential setData p99',
      unit: 'ms',
      better: 'lower',
      pooled: false,
      note: 'The slow tail of the same writes: mostly fsync stalls and CPU contention on a shared 2-core machine.',
    },
  ];
  for (const k of options.outstanding) {
    metrics.push({
      key: `write@${k}`,
      label: `pipelined setData @${k}`,
      unit: 'ops/s',
      better: 'higher',
      pooled: false,
      ...(k === deepest ? { target: KZLAB_TARGETS.pipelinedWrites } : {}),
      note: `${k} writes kept outstanding on the one session: the leader batches proposals and the logs group-commit, so this measures CPU and fsync capacity.`,
    });
  }
  metrics.push(
    {
      key: 'readOne',
      label: `getData @${options.readOutstanding}, one session`,
      unit: 'ops/s',
      better: 'higher',
      pooled: false,
      target: KZLAB_TARGETS.reads,
      note: 'Reads are answered by the follower the session is connected to, from its own copy of the tree: no quorum involved.',
    },
    {
      key: 'readSpread',
      label: `getData @${options.readOutstanding}, ${options.spreadSessions} sessions on all servers`,
      unit: 'ops/s',
      better: 'higher',
      pooled: false,
      target: KZLAB_TARGETS.reads,
      note: 'The same reads spread over every server. On separate machines this grows with the number of servers; here all servers and the client share 2 cores.',
    },
    {
      key: 'outageMs',
      label: 'write outage after kill -9 of the leader',
      unit: 'ms',
      better: 'lower',
      pooled: true,
      target: KZLAB_TARGETS.outageMs,
      note: 'From the kill to the first successful write issued after it, by a writer on a surviving follower: noticing the dead leader, leader election, sync, client reconnect.',
    },
    {
      key: 'leaderVisibleMs',
      label: 'new leader visible via srvr',
      unit: 'ms',
      better: 'lower',
      pooled: true,
      note: 'From the kill until a surviving server answers srvr with Mode: leader.',
    },
    {
      key: 'startMs',
      label: 'start → serving',
      unit: 'ms',
      better: 'lower',
      pooled: false,
      target: KZLAB_TARGETS.startMs,
      note: 'From launching the first server process until every server serves (srvr) and exactly one is leader.',
    },
    {
      key: 'answeringMs',
      label: 'start → every server answers srvr',
      unit: 'ms',
      better: 'lower',
      pooled: false,
      note: 'The process start-up part of the above (runtime and code loading, opening the data directory), before election and sync end.',
    },
    {
      key: 'rejoinMs',
      label: 'killed leader restarted → serving',
      unit: 'ms',
      better: 'lower',
      pooled: true,
      note: 'The killed server started again on its data: process start, log recovery, joining the new leader and syncing.',
    },
    {
      key: 'failuresSurvived',
      label: 'failures survived',
      unit: 'servers',
      better: 'higher',
      pooled: false,
      note: 'Followers killed one by one; counted while a write still succeeds within the deadline. A majority must stay up: 1 of 3, 2 of 5.',
    },
    {
      key: 'fsyncP50Ms',
      label: 'disk: write + fdatasync p50 (probe)',
      unit: 'ms',
      better: 'lower',
      pooled: false,
      note: 'Context, not the servers: 200 small writes, each followed by fdatasync, into a preallocated file just before each run. Every write must wait for at least one of these on the leader and on enough followers.',
    },
    {
      key: 'fsyncP99Ms',
      label: 'disk: write + fdatasync p99 (probe)',
      unit: 'ms',
      better: 'lower',
      pooled: false,
      note: 'The tail of the same probe: neighbours on a shared disk make single syncs slow, which shows up in the write p99.',
    },
  );
  return metrics;
}

/** The samples of one metric from one run (one value, several for pooled metrics, none when missing). */
export function metricSamples(
  run: QuorumRun,
  key: MetricKey,
  options: Pick<QuorumBenchOptions, 'readOutstanding'>,
): number[] {
  const finite = (v: number | null | undefined): number[] =>
    v === null || v === undefined || !Number.isFinite(v) ? [] : [v];
  const phase = (name: string) => run.phases.find((p) => p.name === name);
  switch (key) {
    case 'startMs':
      return finite(run.startToServingMs);
    case 'answeringMs':
      return finite(run.answeringMs);
    case 'writeP50Ms':
      return finite(phase('setData-seq')?.latencyMs.p50);
    case 'writeP99Ms':
      return finite(phase('setData-seq')?.latencyMs.p99);
    case 'readOne':
      return finite(phase(`getData@${options.readOutstanding}`)?.opsPerSecond);
    case 'readSpread':
      return finite(phase(`getData@${options.readOutstanding}-spread`)?.opsPerSecond);
    case 'outageMs':
      return run.outages.flatMap((o) => finite(o.outageMs));
    case 'leaderVisibleMs':
      return run.outages.flatMap((o) => finite(o.leaderVisibleMs));
    case 'rejoinMs':
      return run.outages.flatMap((o) => finite(o.rejoinMs));
    case 'failuresSurvived':
      return finite(run.failuresSurvived);
    case 'fsyncP50Ms':
      return finite(run.disk?.p50Ms);
    case 'fsyncP99Ms':
      return finite(run.disk?.p99Ms);
    default: {
      const k = /^write@(\d+)$/.exec(key)?.[1];
      return k === undefined ? [] : finite(phase(`setData@${k}`)?.opsPerSecond);
    }
  }
}

export interface CpuSummary {
  /** % of one core over the measured window. */
  client: Spread;
  servers: Spread;
  other: Spread;
  /** Over the whole phase (warm-up included). */
  leader: Spread;
  followers: Spread;
}

export interface TargetCheck {
  metric: MetricKey;
  label: string;
  size: number;
  target: number;
  better: 'lower' | 'higher';
  median: number;
  met: boolean | null;
}

export interface QuorumSummary {
  /** summary[target][metric] */
  metrics: Record<string, Partial<Record<MetricKey, Spread>>>;
  /** cpu[target][phase] */
  cpu: Record<string, Record<string, CpuSummary>>;
  /** The issue's targets for ours, checked against the medians. */
  checks: TargetCheck[];
}

/** Medians with min–max per target and metric (failed runs left out), CPU per phase, target checks. */
export function summarizeQuorumRuns(
  runs: readonly QuorumRun[],
  targets: readonly QuorumTarget[],
  options: Pick<QuorumBenchOptions, 'outstanding' | 'readOutstanding' | 'spreadSessions'>,
): QuorumSummary {
  const metrics = quorumMetrics(options);
  const phaseNames = quorumPhaseNames(options);
  const summary: QuorumSummary = { metrics: {}, cpu: {}, checks: [] };
  for (const target of targets) {
    // A run that failed part-way still contributes what it measured before the failure.
    const mine = runs.filter((r) => r.target === target.name);
    const perMetric: Partial<Record<MetricKey, Spread>> = {};
    for (const metric of metrics) {
      const samples = mine.flatMap((r) => metricSamples(r, metric.key, options));
      if (samples.length > 0) perMetric[metric.key] = spread(samples);
    }
    summary.metrics[target.name] = perMetric;
    const cpu: Record<string, CpuSummary> = {};
    for (const name of phaseNames) {
      const phases = mine.flatMap((r) => r.phases.filter((p) => p.name === name));
      if (phases.length === 0) continue;
      cpu[name] = {
        client: spread(phases.map((p) => p.cpu.clientCorePct)),
        servers: spread(phases.map((p) => p.cpu.serverCorePct ?? Number.NaN)),
        other: spread(phases.map((p) => p.cpu.otherCorePct ?? Number.NaN)),
        leader: spread(phases.map((p) => p.leaderCorePct ?? Number.NaN)),
        followers: spread(phases.map((p) => p.followersCorePct ?? Number.NaN)),
      };
    }
    summary.cpu[target.name] = cpu;
    if (target.impl !== 'kzlab') continue;
    for (const metric of metrics) {
      const goal = metric.target?.[target.size];
      if (goal === undefined) continue;
      const s = perMetric[metric.key];
      const median = s?.median ?? Number.NaN;
      summary.checks.push({
        metric: metric.key,
        label: metric.label,
        size: target.size,
        target: goal,
        better: metric.better,
        median,
        met: Number.isFinite(median) ? (metric.better === 'lower' ? median <= goal : median >= goal) : null,
      });
    }
  }
  return summary;
}

// ---------------------------------------------------------------------------------------------
// Running

export interface QuorumBenchResult {
  tool: 'kzlab bench quorum';
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  config: Omit<QuorumBenchOptions, 'help' | 'json' | 'html'> & { phases: string[] };
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
  targets: QuorumTarget[];
  metrics: MetricDef[];
  runs: QuorumRun[];
  summary: QuorumSummary;
  /** Targets with at least one failed run. */
  failedTargets: string[];
}

export interface RunQuorumBenchHooks {
  log?: (line: string) => void;
}

const require = createRequire(import.meta.url);

export async function runQuorumBench(
  options: QuorumBenchOptions,
  hooks: RunQuorumBenchHooks = {},
): Promise<QuorumBenchResult> {
  const log = hooks.log ?? (() => {});
  const startedAt = new Date();
  const loadavgStart = loadavg();
  const targets = quorumTargets(options);
  const schedule = quorumSchedule(options);
  const runs: QuorumRun[] = [];
  const began = performance.now();
  for (const [index, item] of schedule.entries()) {
    const { target } = item;
    const elapsed = Math.round((performance.now() - began) / 1000);
    log(
      `[${index + 1}/${schedule.length}, rep ${item.repetition + 1}/${options.repeat}, ${elapsed} s] ` +
        `${IMPL_LABEL[target.impl]}, ${target.size} servers`,
    );
    runs.push(await runQuorumTarget(target.impl, target.size, item.repetition, item.order, options, log));
  }
  const { help: _help, json: _json, html: _html, ...config } = options;
  return {
    tool: 'kzlab bench quorum',
    schemaVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    config: { ...config, phases: quorumPhaseNames(options) },
    environment: {
      node: process.version,
      nodeZookeeperClient: (require('node-zookeeper-client/package.json') as { version: string }).version,
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
    metrics: quorumMetrics(options),
    runs,
    summary: summarizeQuorumRuns(runs, targets, options),
    failedTargets: targets
      .filter((t) => runs.some((r) => r.target === t.name && r.error !== null))
      .map((t) => t.name),
  };
}

// ---------------------------------------------------------------------------------------------
// Files

export function defaultQuorumPaths(startedAt: string, cwd = process.cwd()): { json: string; html: string } {
  const stamp = startedAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const base = resolvePath(cwd, 'bench-results', `quorum-${stamp}`);
  return { json: `${base}.json`, html: `${base}.html` };
}

/** Where the JSON and HTML go: the flags, else bench-results/quorum-<time>.{json,html}; HTML next to --json. */
export function quorumOutputPaths(
  options: Pick<QuorumBenchOptions, 'json' | 'html'>,
  startedAt: string,
  cwd = process.cwd(),
): { json: string; html: string } {
  const defaults = defaultQuorumPaths(startedAt, cwd);
  const json = options.json !== null ? resolvePath(cwd, options.json) : defaults.json;
  const html =
    options.html !== null
      ? resolvePath(cwd, options.html)
      : options.json !== null
        ? json.replace(/\.json$/i, '') + '.html'
        : defaults.html;
  return { json, html };
}

export function writeTextFile(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

// ---------------------------------------------------------------------------------------------
// Table

export function formatMetricValue(value: number, unit: MetricDef['unit']): string {
  if (!Number.isFinite(value)) return '-';
  if (unit === 'ops/s') return fmtRate(value);
  if (unit === 'servers') return Number.isInteger(value) ? String(value) : value.toFixed(1);
  return fmtMs(value);
}

function cell(s: Spread | undefined, unit: MetricDef['unit']): string {
  if (s === undefined || s.n === 0) return '-';
  const m = formatMetricValue(s.median, unit);
  if (s.n === 1 || s.min === s.max) return m;
  return `${m} [${formatMetricValue(s.min, unit)}-${formatMetricValue(s.max, unit)}]`;
}

function renderTable(header: string[], rows: string[][], leftColumns: number): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export function targetLabel(t: QuorumTarget): string {
  return `${IMPL_LABEL[t.impl]} ${t.size}`;
}

/** The result table: one column per target, then the 5/3 ratio per implementation and our targets. */
export function formatQuorumBenchTable(result: QuorumBenchResult): string {
  const { targets, summary, metrics, config, environment: env } = result;
  const lines: string[] = [];
  const la = (v: number[]): string => v.map((x) => x.toFixed(1)).join('/');
  lines.push(
    `kzlab bench quorum  ${result.startedAt.replace(/\.\d+Z$/, 'Z')}  node ${env.node}  ${env.cpus} cpus  loadavg ${la(env.loadavgStart)} -> ${la(env.loadavgEnd)}`,
  );
  lines.push(
    `sizes ${config.sizes.join(',')}; ${config.repeat} repetition${config.repeat === 1 ? '' : 's'} of fresh ensembles, targets interleaved; ` +
      `median [min-max]${config.repeat < 3 ? '  (fewer than 3 repetitions: treat as indicative)' : ''}`,
  );
  lines.push(
    `forceSync=${config.forceSync ? 'yes' : 'no'}, tickTime ${config.tickTimeMs} ms; ${config.valueBytes}-byte values, ${config.znodes} znodes; ` +
      `pre-warm ${config.prewarmSeconds} s; sequential ${config.ops} ops; pipelined ${config.seconds} s windows after ${config.warmupSeconds} s; ` +
      `${config.kills} leader kill${config.kills === 1 ? '' : 's'} per run (outage rows pool all kills)`,
  );
  for (const r of result.runs) {
    if (r.error !== null)
      lines.push(`  ${r.target} rep ${r.repetition + 1} FAILED: ${r.error.split('\n')[0]}`);
  }
  lines.push('');

  // 5/3-style ratio columns: largest size over smallest, per implementation.
  const sizes = [...config.sizes].sort((a, b) => a - b);
  const small = sizes[0];
  const large = sizes[sizes.length - 1];
  const impls = [...new Set(targets.map((t) => t.impl))];
  const showRatio = sizes.length >= 2;
  const header = ['metric', 'unit', ...targets.map(targetLabel)];
  if (showRatio) for (const impl of impls) header.push(`${IMPL_LABEL[impl]} ${large}/${small}`);
  const kzlabSizes = sizes.filter((s) => targets.some((t) => t.impl === 'kzlab' && t.size === s));
  header.push(`kzlab target ${kzlabSizes.join('/')}`);
  const rows: string[][] = [];
  for (const metric of metrics) {
    const row = [metric.label, metric.unit];
    for (const t of targets) {
      let text = cell(summary.metrics[t.name]?.[metric.key], metric.unit);
      const check = summary.checks.find(
        (c) => c.metric === metric.key && c.size === t.size && t.impl === 'kzlab',
      );
      if (check !== undefined && check.met !== null) text += check.met ? ' ok' : ' MISS';
      row.push(text);
    }
    if (showRatio) {
      for (const impl of impls) {
        const a = summary.metrics[`${impl}-${large}`]?.[metric.key]?.median;
        const b = summary.metrics[`${impl}-${small}`]?.[metric.key]?.median;
        row.push(
          a !== undefined && b !== undefined && Number.isFinite(a / b) && b !== 0
            ? `${(a / b).toFixed(2)}x`
            : '',
        );
      }
    }
    const goals = kzlabSizes.map((s) => metric.target?.[s]);
    row.push(
      goals.every((g) => g === undefined)
        ? ''
        : `${metric.better === 'lower' ? '<=' : '>='} ${goals.map((g) => (g === undefined ? '-' : formatMetricValue(g, metric.unit))).join(' / ')}`,
    );
    rows.push(row);
  }
  lines.push(...renderTable(header, rows, 2));
  lines.push('');

  // CPU during the load phases: where the two cores went.
  const cpuHeader = ['phase', 'cpu (% of one core)', ...targets.map(targetLabel)];
  const cpuRows: string[][] = [];
  const pct = (s: Spread | undefined): string =>
    s === undefined || s.n === 0 || !Number.isFinite(s.median) ? '-' : `${Math.round(s.median)}%`;
  for (const phase of result.config.phases) {
    const parts: [string, (c: CpuSummary) => Spread][] = [
      ['client (this process)', (c) => c.client],
      ['servers (all)', (c) => c.servers],
      ['  leader', (c) => c.leader],
      ['  followers', (c) => c.followers],
      ['other tenants', (c) => c.other],
    ];
    parts.forEach(([label, pick], i) => {
      cpuRows.push([
        i === 0 ? phase : '',
        label,
        ...targets.map((t) => {
          const c = summary.cpu[t.name]?.[phase];
          if (c === undefined) return '-';
          const v = pick(c);
          return `${pct(v)}${i === 0 && v.median >= CLIENT_BOUND_CORE_PCT ? ' !' : ''}`;
        }),
      ]);
    });
  }
  lines.push(...renderTable(cpuHeader, cpuRows, 2));
  lines.push(
    `cpu: medians; client/servers/other over the measured window, leader/followers over the whole phase (warm-up included). ${env.cpus} cores = ${env.cpus * 100}%.`,
  );
  if (cpuRows.some((row) => row.some((c) => c.endsWith(' !')))) {
    lines.push(
      `! client at >= ${CLIENT_BOUND_CORE_PCT}% of a core: the single-threaded benchmark client, not the servers, was the limit of that phase.`,
    );
  }
  const checks = summary.checks;
  if (checks.length > 0) {
    const missed = checks.filter((c) => c.met === false);
    lines.push('');
    lines.push(
      `kzlab targets: ${checks.filter((c) => c.met === true).length} of ${checks.length} met` +
        (missed.length > 0
          ? `; missed: ${missed.map((c) => `${c.label} (${c.size} servers: ${formatMetricValue(c.median, unitOf(metrics, c.metric))} vs ${c.better === 'lower' ? '<=' : '>='} ${formatMetricValue(c.target, unitOf(metrics, c.metric))})`).join('; ')}`
          : ''),
    );
  }
  return lines.join('\n');
}

function unitOf(metrics: readonly MetricDef[], key: MetricKey): MetricDef['unit'] {
  return metrics.find((m) => m.key === key)?.unit ?? 'ms';
}
