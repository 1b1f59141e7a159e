// One run of `kzlab bench quorum`: a fresh ensemble of one implementation and size, measured with the
// protocol of /work/shared/reference/zookeeper-measured.md, then taken apart.
//
//   1. start            launch every server; time to "all serving, one leader" (quorum-ensemble.ts)
//   2. main phases      one session on a FOLLOWER, 100-byte values, 64 znodes cycled:
//                       pre-warm (80/20 get/set @256, not reported), sequential setData (p50/p99),
//                       pipelined setData @64 and @256, getData @256
//   3. spread reads     getData @256 from S sessions spread round-robin over ALL servers
//   4. leader failover  a writer on a surviving follower keeps one setData outstanding (5 s op timeout,
//                       short reconnect spin); kill -9 the leader; outage = kill → completion of the first
//                       write issued after the leader was confirmed dead. The killed server is restarted
//                       and must serve again before the next kill.
//   5. failures         a writer on the leader; kill followers one by one; after each kill a write must
//                       succeed within a deadline. Failures survived = kills after which writes still went
//                       through.
//
// The load driver, latency histograms and CPU accounting are deploy/bench/zk-bench.ts's.

import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import type { ZooKeeperImpl } from '../cluster/spec.ts';
import { LatencyHistogram, exactPercentile, type LatencySummaryMs } from './histogram.ts';
import { cpuSnapshot, expandProcessTrees, type CpuSnapshot } from './proc-cpu.ts';
import { startBenchEnsemble, quorumReady, type BenchEnsemble } from './quorum-ensemble.ts';
import {
  DEFAULT_ZK_BENCH_OPTIONS,
  PREWARM_OUTSTANDING,
  call,
  closeClient,
  connectClient,
  drive,
  pipelinedAll,
  runPhase,
  type PhaseResult,
  type ProtocolContext,
  type ZkCallback,
  type ZkClient,
} from './zk-bench.ts';

const require = createRequire(import.meta.url);
const PERSISTENT = (require('node-zookeeper-client') as { CreateMode: { PERSISTENT: number } }).CreateMode
  .PERSISTENT;

/** What one run needs to know (a subset of QuorumBenchOptions, see quorum-bench.ts). */
export interface QuorumRunSettings {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly prewarmSeconds: number;
  readonly ops: number;
  readonly warmupOps: number;
  readonly outstanding: readonly number[];
  readonly readOutstanding: number;
  readonly spreadSessions: number;
  readonly kills: number;
  readonly opTimeoutSeconds: number;
  readonly checkTimeoutSeconds: number;
  readonly outageTimeoutSeconds: number;
  readonly spinDelayMs: number;
  readonly valueBytes: number;
  readonly znodes: number;
  readonly forceSync: boolean;
  readonly tickTimeMs: number;
  readonly readyTimeoutSeconds: number;
  readonly pollIntervalMs: number;
  /** Keep each run's lab directory (configs, data, server logs). */
  readonly keep: boolean;
}

/** A phase as zk-bench reports it, plus the server CPU split between the leader and the followers. */
export interface QuorumPhaseResult extends PhaseResult {
  /** Over the whole phase (warm-up included), % of one core: the leader process. */
  leaderCorePct: number | null;
  /** Same, all followers together. */
  followersCorePct: number | null;
  /** Sessions the load was spread over (1 = the one session on a follower). */
  sessions: number;
}

export interface OutageSample {
  killed: string;
  /** The follower the writer was connected to. */
  writerOn: string;
  /** kill -9 sent → the process was seen gone. */
  killConfirmedMs: number;
  /** kill → completion of the first write issued after the kill was confirmed; null if none within the cap. */
  outageMs: number | null;
  /** kill → a surviving server first answered `srvr` with Mode: leader. */
  leaderVisibleMs: number | null;
  /** The new leader. */
  newLeader: string | null;
  /** Writes the writer had completed before the kill (proves it was writing). */
  writesBefore: number;
  /** Writes abandoned after the op timeout, errors seen during the outage. */
  timedOutOps: number;
  errors: number;
  /** The killed server restarted → serving again (RestartReport.servingAfterMs). */
  rejoinMs: number | null;
}

export interface FailureCheck {
  killed: string;
  /** Servers still running after this kill. */
  running: number;
  /** A write succeeded within the deadline after the kill. */
  writable: boolean;
  /** kill → that write's completion (or the deadline). */
  afterMs: number;
}

/** write + fdatasync of a small record into a preallocated file, as a txn log does (before each run). */
export interface DiskProbe {
  syncs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** `count` × (160-byte write + fdatasync) into a preallocated 1 MiB file in the temp directory. */
export function probeFsync(count = 200, dir = tmpdir()): DiskProbe {
  const probeDir = mkdtempSync(join(dir, 'kzlab-bench-fsync-'));
  const file = join(probeDir, 'probe.log');
  const fd = openSync(file, 'w');
  try {
    const record = Buffer.alloc(160, 0x6b);
    writeSync(fd, Buffer.alloc(1 << 20), 0, 1 << 20, 0);
    fdatasyncSync(fd);
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      writeSync(fd, record, 0, record.length, i * record.length);
      fdatasyncSync(fd);
      samples.push(performance.now() - t);
    }
    return {
      syncs: count,
      p50Ms: exactPercentile(samples, 50),
      p99Ms: exactPercentile(samples, 99),
      maxMs: exactPercentile(samples, 100),
    };
  } finally {
    closeSync(fd);
    rmSync(probeDir, { recursive: true, force: true });
  }
}

export interface QuorumRun {
  /** `kzlab-3`, `apache-5` … */
  target: string;
  impl: ZooKeeperImpl;
  size: number;
  repetition: number;
  /** Position within its repetition (0 = first). */
  order: number;
  portBase: number | null;
  /** The lab directory, when kept (--keep). */
  dataDir: string | null;
  /** The disk just before the run (null if the probe failed). */
  disk: DiskProbe | null;
  startToServingMs: number | null;
  /** launch → every server answers `srvr` at all (process start-up, before election and sync end). */
  answeringMs: number | null;
  labReadyMs: number | null;
  leader: string | null;
  /** The follower the main session was connected to. */
  follower: string | null;
  version: string | null;
  prewarm: QuorumPhaseResult | null;
  phases: QuorumPhaseResult[];
  outages: OutageSample[];
  failureChecks: FailureCheck[];
  /** Kills of followers after which writes still succeeded; null if the phase did not run. */
  failuresSurvived: number | null;
  error: string | null;
}

/** Phase names of the main and spread phases, in run order. */
export function quorumPhaseNames(
  settings: Pick<QuorumRunSettings, 'outstanding' | 'readOutstanding'>,
): string[] {
  return [
    'setData-seq',
    ...settings.outstanding.map((k) => `setData@${k}`),
    `getData@${settings.readOutstanding}`,
    `getData@${settings.readOutstanding}-spread`,
  ];
}

// ---------------------------------------------------------------------------------------------

function pctOf(seconds: number, wallMs: number): number {
  return (100 * seconds) / Math.max(1e-9, wallMs / 1000);
}

/** CPU of the leader and of all followers between two snapshots (% of one core). */
function splitServerCpu(
  before: CpuSnapshot,
  after: CpuSnapshot,
  leaderPids: ReadonlySet<number>,
): { leader: number | null; followers: number | null } {
  if (before.server === null || after.server === null) return { leader: null, followers: null };
  let leader = 0;
  let followers = 0;
  for (const [pid, start] of before.server) {
    const end = after.server.get(pid);
    if (end === undefined) continue;
    if (leaderPids.has(pid)) leader += end - start;
    else followers += end - start;
  }
  const wall = after.wallMs - before.wallMs;
  return { leader: pctOf(leader, wall), followers: pctOf(followers, wall) };
}

interface RunContext {
  ensemble: BenchEnsemble;
  settings: QuorumRunSettings;
  log: (line: string) => void;
  /** Server pids (trees expanded) and which of them belong to the leader. */
  pids: number[];
  leaderPids: Set<number>;
}

async function withCpuSplit(
  ctx: RunContext,
  sessions: number,
  body: () => Promise<PhaseResult>,
): Promise<QuorumPhaseResult> {
  const before = cpuSnapshot(ctx.pids);
  const phase = await body();
  const after = cpuSnapshot(ctx.pids);
  const split = splitServerCpu(before, after, ctx.leaderPids);
  return { ...phase, leaderCorePct: split.leader, followersCorePct: split.followers, sessions };
}

/** Main phases on one session connected to a follower, then the spread reads. */
async function runLoadPhases(ctx: RunContext, run: QuorumRun, follower: string): Promise<void> {
  const { ensemble, settings, log } = ctx;
  const client = await connectClient(ensemble.connectOf(follower));
  const spread: ZkClient[] = [];
  try {
    const root = `/kzlab-bench-quorum-${Date.now().toString(36)}`;
    const value = Buffer.alloc(settings.valueBytes, 0x61);
    const nodePaths = Array.from(
      { length: settings.znodes },
      (_, i) => `${root}/n-${String(i).padStart(4, '0')}`,
    );
    await call((cb) => client.create(root, Buffer.alloc(0), PERSISTENT, cb));
    await pipelinedAll(nodePaths, 64, (path) => call((cb) => client.create(path, value, PERSISTENT, cb)));

    const protocol: ProtocolContext = {
      client,
      root,
      nodePaths,
      value,
      serverPids: ctx.pids,
      options: { ...DEFAULT_ZK_BENCH_OPTIONS, outstanding: [...settings.outstanding], serverPids: [] },
      log,
    };
    if (settings.prewarmSeconds > 0) {
      log(
        `    pre-warm ${settings.prewarmSeconds} s: 80/20 getData/setData @${PREWARM_OUTSTANDING} (not reported)`,
      );
      run.prewarm = await withCpuSplit(ctx, 1, () =>
        runPhase(
          protocol,
          'mixed',
          'pipelined',
          PREWARM_OUTSTANDING,
          { warmupMs: 0, measureMs: settings.prewarmSeconds * 1000 },
          `prewarm-mixed@${PREWARM_OUTSTANDING}`,
        ),
      );
    }
    const window = { warmupMs: settings.warmupSeconds * 1000, measureMs: settings.seconds * 1000 };
    run.phases.push(
      await withCpuSplit(ctx, 1, () =>
        runPhase(
          protocol,
          'setData',
          'sequential',
          1,
          { warmupOps: settings.warmupOps, measureOps: settings.ops },
          'setData-seq',
        ),
      ),
    );
    for (const k of settings.outstanding) {
      run.phases.push(
        await withCpuSplit(ctx, 1, () =>
          runPhase(protocol, 'setData', 'pipelined', k, window, `setData@${k}`),
        ),
      );
    }
    const readK = settings.readOutstanding;
    run.phases.push(
      await withCpuSplit(ctx, 1, () =>
        runPhase(protocol, 'getData', 'pipelined', readK, window, `getData@${readK}`),
      ),
    );

    // Spread reads: S sessions, session i on server i mod N, `readK` requests outstanding in total.
    const names = ensemble.names;
    for (let i = 0; i < settings.spreadSessions; i++) {
      spread.push(await connectClient(ensemble.connectOf(names[i % names.length])));
    }
    const m = spread.length;
    const n = nodePaths.length;
    const name = `getData@${readK}-spread`;
    run.phases.push(
      await withCpuSplit(ctx, m, async () => {
        const histogram = new LatencyHistogram();
        const outcome = await drive({
          outstanding: readK,
          issue: (seq: number, cb: ZkCallback) => spread[seq % m].getData(nodePaths[seq % n], cb),
          describe: (seq: number) => `getData ${nodePaths[seq % n]} on session ${seq % m}`,
          histogram,
          serverPids: ctx.pids,
          ...window,
        });
        const latencyMs: LatencySummaryMs = histogram.summaryMs();
        const phase: PhaseResult = {
          name,
          op: 'getData',
          mode: 'pipelined',
          outstanding: readK,
          ops: outcome.ops,
          seconds: outcome.seconds,
          opsPerSecond: outcome.seconds > 0 ? outcome.ops / outcome.seconds : Number.NaN,
          latencyMs,
          cpu: outcome.cpu,
          inFlightMin: outcome.inFlightMin,
          inFlightMax: outcome.inFlightMax,
        };
        log(
          `    ${name.padEnd(20)} ${Math.round(phase.opsPerSecond).toLocaleString('en-US').padStart(8)} ops/s  ` +
            `p50 ${latencyMs.p50.toFixed(2)}  p99 ${latencyMs.p99.toFixed(2)} ms  (${m} sessions over ${names.length} servers; ` +
            `cpu client ${Math.round(outcome.cpu.clientCorePct)}%, servers ${Math.round(outcome.cpu.serverCorePct ?? Number.NaN)}%)`,
        );
        return phase;
      }),
    );
  } finally {
    await Promise.all(spread.map((c) => closeClient(c)));
    await closeClient(client);
  }
}

/** Current leader and followers by `srvr`, once exactly one leader is seen with everyone running serving. */
async function waitForRoles(
  ensemble: BenchEnsemble,
  running: readonly string[],
  timeoutMs: number,
): Promise<{ leader: string; followers: string[] }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const modes = await ensemble.modes(1000);
    if (quorumReady(modes, running)) {
      const leader = running.find((name) => modes.get(name) === 'leader') as string;
      return { leader, followers: running.filter((name) => name !== leader) };
    }
    if (performance.now() > deadline) {
      throw new Error(
        `no serving quorum with one leader within ${timeoutMs} ms (${running.map((n) => `${n} ${modes.get(n)}`).join(', ')})`,
      );
    }
    await delay(50);
  }
}

interface WriterLoop {
  /** Completed ok before `markKill()`. */
  okBefore(): number;
  /** Resolves with the completion time of the first successful write issued at or after `since`. */
  firstSuccessAfter(since: number, capMs: number): Promise<number | null>;
  stats(): { timedOut: number; errors: number };
  stop(): void;
}

/** One setData outstanding at a time, forever; an op not answered within opTimeoutMs is abandoned. */
function startWriter(client: ZkClient, path: string, value: Buffer, opTimeoutMs: number): WriterLoop {
  let stopped = false;
  let ok = 0;
  let timedOut = 0;
  let errors = 0;
  const successes: { issuedAt: number; doneAt: number }[] = [];
  const waiters: { since: number; resolve: (t: number) => void }[] = [];
  const notify = (issuedAt: number, doneAt: number): void => {
    successes.push({ issuedAt, doneAt });
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (issuedAt >= waiters[i].since) {
        waiters[i].resolve(doneAt);
        waiters.splice(i, 1);
      }
    }
  };
  const issue = (): void => {
    if (stopped) return;
    const issuedAt = performance.now();
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      timedOut++;
      issue();
    }, opTimeoutMs);
    client.setData(path, value, -1, (error) => {
      const doneAt = performance.now();
      if (!error) {
        ok++;
        notify(issuedAt, doneAt); // a late completion of an abandoned op still is a successful write
      } else if (!settled) errors++;
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Requests queue inside the client while it is disconnected, so re-issuing at once does not spin;
      // the 1 ms pause only keeps a hard failure (a closed client) from looping hot.
      if (error) setTimeout(issue, 1);
      else issue();
    });
  };
  issue();
  return {
    okBefore: () => ok,
    firstSuccessAfter: (since, capMs) =>
      new Promise((resolve) => {
        const hit = successes.find((s) => s.issuedAt >= since);
        if (hit !== undefined) {
          resolve(hit.doneAt);
          return;
        }
        const timer = setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          resolve(null);
        }, capMs);
        const waiter = {
          since,
          resolve: (t: number) => {
            clearTimeout(timer);
            resolve(t);
          },
        };
        waiters.push(waiter);
      }),
    stats: () => ({ timedOut, errors }),
    stop: () => {
      stopped = true;
    },
  };
}

/** Poll `srvr` of the survivors until one says leader; resolves with that time and name. */
async function watchForLeader(
  ensemble: BenchEnsemble,
  survivors: readonly string[],
  capMs: number,
): Promise<{ at: number; leader: string } | null> {
  const deadline = performance.now() + capMs;
  while (performance.now() < deadline) {
    const modes = await ensemble.modes(500);
    const leader = survivors.find((name) => modes.get(name) === 'leader');
    if (leader !== undefined) return { at: performance.now(), leader };
    await delay(20);
  }
  return null;
}

async function measureLeaderKill(ctx: RunContext, run: QuorumRun, index: number): Promise<void> {
  const { ensemble, settings, log } = ctx;
  const { leader, followers } = await waitForRoles(ensemble, ensemble.names, 30_000);
  const writerOn = followers[index % followers.length];
  const client = await connectClient(ensemble.connectOf(writerOn), { spinDelayMs: settings.spinDelayMs });
  const path = `/kzlab-bench-outage-${index}`;
  await call((cb) => client.create(path, Buffer.alloc(0), PERSISTENT, cb)).catch(() => undefined);
  const writer = startWriter(
    client,
    path,
    Buffer.alloc(settings.valueBytes, 0x62),
    settings.opTimeoutSeconds * 1000,
  );
  let closed = false;
  try {
    await delay(300);
    const writesBefore = writer.okBefore();
    if (writesBefore === 0)
      throw new Error(`the failover writer on ${writerOn} completed no write in 300 ms`);
    const killedAt = performance.now();
    const report = await ensemble.cluster.kill(leader);
    const confirmedAt = performance.now();
    const capMs = settings.outageTimeoutSeconds * 1000;
    const [successAt, visible] = await Promise.all([
      writer.firstSuccessAfter(confirmedAt, capMs),
      watchForLeader(
        ensemble,
        ensemble.names.filter((n) => n !== leader),
        capMs,
      ),
    ]);
    writer.stop();
    const stats = writer.stats();
    const sample: OutageSample = {
      killed: leader,
      writerOn,
      killConfirmedMs: report.confirmedAfterMs,
      outageMs: successAt === null ? null : successAt - killedAt,
      leaderVisibleMs: visible === null ? null : visible.at - killedAt,
      newLeader: visible?.leader ?? null,
      writesBefore,
      timedOutOps: stats.timedOut,
      errors: stats.errors,
      rejoinMs: null,
    };
    run.outages.push(sample);
    log(
      `    kill -9 leader ${leader} (writer on ${writerOn}): writes back after ${fmt(sample.outageMs)} ms, ` +
        `new leader ${sample.newLeader ?? '?'} visible after ${fmt(sample.leaderVisibleMs)} ms` +
        `${stats.timedOut > 0 ? `, ${stats.timedOut} ops timed out` : ''}`,
    );
    writer.stop();
    closed = true;
    await closeClient(client);
    const restart = await ensemble.cluster.restart(leader);
    sample.rejoinMs = restart.servingAfterMs;
    log(`    restarted ${leader}: serving after ${fmt(restart.servingAfterMs)} ms`);
  } finally {
    writer.stop();
    if (!closed) await closeClient(client);
  }
}

function fmt(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '-' : `${Math.round(v)}`;
}

/** Write once, retrying on errors, until `deadlineMs` passes. Resolves true when a write went through. */
function writeWithin(client: ZkClient, path: string, value: Buffer, deadlineMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const end = performance.now() + deadlineMs;
    let finished = false;
    const timer = setTimeout(() => finish(false), deadlineMs);
    function finish(ok: boolean): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(ok);
    }
    const attempt = (): void => {
      if (finished) return;
      client.setData(path, value, -1, (error) => {
        if (finished) return;
        if (!error) finish(true);
        else if (performance.now() < end) setTimeout(attempt, 20);
        else finish(false);
      });
    };
    attempt();
  });
}

async function measureFailuresSurvived(ctx: RunContext, run: QuorumRun): Promise<void> {
  const { ensemble, settings, log } = ctx;
  const { leader, followers } = await waitForRoles(ensemble, ensemble.names, 30_000);
  const client = await connectClient(ensemble.connectOf(leader), { spinDelayMs: settings.spinDelayMs });
  try {
    const path = '/kzlab-bench-failures';
    await call((cb) => client.create(path, Buffer.alloc(0), PERSISTENT, cb)).catch(() => undefined);
    const value = Buffer.alloc(settings.valueBytes, 0x63);
    if (!(await writeWithin(client, path, value, settings.checkTimeoutSeconds * 1000))) {
      throw new Error(`no write went through on the leader ${leader} before any follower was killed`);
    }
    let survived = 0;
    let running = ensemble.names.length;
    for (const follower of followers) {
      const killedAt = performance.now();
      await ensemble.cluster.kill(follower);
      running--;
      const writable = await writeWithin(client, path, value, settings.checkTimeoutSeconds * 1000);
      const check: FailureCheck = {
        killed: follower,
        running,
        writable,
        afterMs: performance.now() - killedAt,
      };
      run.failureChecks.push(check);
      log(
        `    killed follower ${follower} (${running}/${ensemble.names.length} running): ` +
          `${writable ? `write ok after ${Math.round(check.afterMs)} ms` : `no write within ${settings.checkTimeoutSeconds} s`}`,
      );
      if (!writable) break;
      survived++;
    }
    run.failuresSurvived = survived;
  } finally {
    await closeClient(client);
  }
}

/** One whole run. Never throws: a failure ends the run with `error` set (the ensemble is always removed). */
export async function runQuorumTarget(
  impl: ZooKeeperImpl,
  size: number,
  repetition: number,
  order: number,
  settings: QuorumRunSettings,
  log: (line: string) => void,
): Promise<QuorumRun> {
  const run: QuorumRun = {
    target: `${impl}-${size}`,
    impl,
    size,
    repetition,
    order,
    portBase: null,
    dataDir: null,
    disk: null,
    startToServingMs: null,
    answeringMs: null,
    labReadyMs: null,
    leader: null,
    follower: null,
    version: null,
    prewarm: null,
    phases: [],
    outages: [],
    failureChecks: [],
    failuresSurvived: null,
    error: null,
  };
  let ensemble: BenchEnsemble | null = null;
  try {
    try {
      run.disk = probeFsync();
      log(
        `    disk probe: write+fdatasync p50 ${run.disk.p50Ms.toFixed(2)} ms, p99 ${run.disk.p99Ms.toFixed(2)} ms`,
      );
    } catch (error) {
      log(`    disk probe failed: ${(error as Error).message}`);
    }
    ensemble = await startBenchEnsemble({
      impl,
      size,
      forceSync: settings.forceSync,
      readyTimeoutMs: settings.readyTimeoutSeconds * 1000,
      pollIntervalMs: settings.pollIntervalMs,
      tickTimeMs: settings.tickTimeMs,
      keep: settings.keep,
    });
    run.portBase = ensemble.spec.portBase;
    if (settings.keep) {
      run.dataDir = ensemble.spec.dataDir;
      log(`    lab directory (kept): ${run.dataDir}`);
    }
    run.startToServingMs = ensemble.startToServingMs;
    run.answeringMs = Number.isFinite(ensemble.answeringMs) ? ensemble.answeringMs : null;
    run.labReadyMs = ensemble.labReadyMs;
    const status = await ensemble.status();
    run.leader = status.leader;
    run.version = status.nodes.find((n) => n.version !== undefined)?.version?.split(',')[0] ?? null;
    log(
      `    serving after ${Math.round(ensemble.startToServingMs)} ms (all answering srvr after ${fmt(run.answeringMs)} ms); ` +
        `leader ${status.leader}; ${run.version ?? ''}`,
    );
    const { leader, followers } = await waitForRoles(ensemble, ensemble.names, 10_000);
    run.leader = leader;
    run.follower = followers[0];
    const info = await ensemble.cluster.info();
    const leaderPid = info.nodes.find((n) => n.name === leader)?.pid ?? null;
    const ctx: RunContext = {
      ensemble,
      settings,
      log,
      pids: expandProcessTrees(await ensemble.pids()),
      leaderPids: new Set(leaderPid === null ? [] : expandProcessTrees([leaderPid])),
    };
    await runLoadPhases(ctx, run, followers[0]);
    for (let k = 0; k < settings.kills; k++) await measureLeaderKill(ctx, run, k);
    await measureFailuresSurvived(ctx, run);
  } catch (error) {
    run.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log(`    FAILED: ${run.error.split('\n')[0]}`);
  } finally {
    if (ensemble !== null) {
      // A failed run keeps its lab directory (zoo.cfg, data, each server's log) for a post-mortem.
      const keepDir = run.error !== null;
      await ensemble.dispose(keepDir).catch(() => undefined);
      if (keepDir && !settings.keep) {
        run.dataDir = ensemble.spec.dataDir;
        log(`    lab directory kept for inspection: ${run.dataDir}`);
      }
    }
  }
  return run;
}
