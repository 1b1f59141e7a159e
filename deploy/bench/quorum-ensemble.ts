// Ensembles for `kzlab bench quorum`: a fresh LocalCluster (deploy/local) of our ZooKeeper or of Debian's
// Apache ZooKeeper 3.8, started the way /work/shared/reference/zookeeper-measured.md started its JVMs,
// and timed from the first process launch to "every server serving, exactly one leader".
//
// Two deliberate differences from a `kzlab up` lab, both to match the measured baseline:
//   * The servers talk to each other DIRECTLY. A lab puts a fault proxy (in the supervisor, which here
//     would be this benchmark process) on every peer link so that `kzlab partition` can cut it; in a
//     benchmark that proxy would add a hop to every PROPOSAL/ACK/COMMIT and charge its CPU to the
//     client. LocalCluster lets a caller choose the command that runs a server; ours writes a zoo.cfg
//     next to the lab's one with the peers' real quorum/election ports (the proxies stay idle) and
//     starts the server on that file. kill/restart/status work as in a lab; partition does not apply.
//   * The AdminServer is off and forceSync is explicit, as in the baseline's zoo.cfg; Apache runs on the
//     baseline's JVM flags (default G1 and tiered JIT; `kzlab up --impl apache` uses quicker-to-start
//     flags instead).

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import type { ClusterEvent, ClusterStatus } from '../cluster/handle.ts';
import { nodePaths, resolveClusterSpec, type ClusterSpec, type ZooKeeperImpl } from '../cluster/spec.ts';
import { isServingMode, parseSrvr, type ServerMode } from '../cluster/srvr.ts';
import { fourLetterWord } from '../local/four-letter-word.ts';
import { LocalCluster } from '../local/local-cluster.ts';
import { zookeeperCommand, type NodeCommand } from '../local/node-process.ts';
import { findFreePortBase } from '../local/ports.ts';
import { renderLabZooCfg, type PeerAddress } from '../local/zoo-cfg.ts';

const JAVA_DIR = '/usr/share/java';

export interface BenchEnsembleOptions {
  readonly impl: ZooKeeperImpl;
  readonly size: number;
  /** zoo.cfg forceSync (ZooKeeper's default: yes). */
  readonly forceSync: boolean;
  /** Launch → serving deadline. */
  readonly readyTimeoutMs: number;
  /** How often start-up is polled with `srvr` (the resolution of start-to-serving). */
  readonly pollIntervalMs: number;
  /** zoo.cfg tickTime; the baseline used ZooKeeper's sample value 2000. */
  readonly tickTimeMs: number;
  /** Keep the lab directory (zoo.cfg, data, each server's log) after dispose. */
  readonly keep?: boolean;
}

export interface BenchEnsemble {
  readonly impl: ZooKeeperImpl;
  readonly size: number;
  readonly cluster: LocalCluster;
  readonly spec: ClusterSpec;
  readonly names: readonly string[];
  /** First server process launched → every server says leader/follower and exactly one says leader. */
  readonly startToServingMs: number;
  /** First launch → every server answers `srvr` at all (process start, before the election is over). */
  readonly answeringMs: number;
  /** LocalCluster's own `lab-ready` figure (it polls every 100 ms and counts from before the launch). */
  readonly labReadyMs: number | null;
  /** `127.0.0.1:<clientPort>` of one server. */
  connectOf(name: string): string;
  clientPort(name: string): number;
  /** Current pids of the running servers. */
  pids(): Promise<number[]>;
  /** The mode of each server by `srvr` (down/unreachable when it does not answer). */
  modes(timeoutMs?: number): Promise<Map<string, ServerMode>>;
  status(): Promise<ClusterStatus>;
  /** SIGKILL every server, close the lab and delete its directory (unless kept by option or `keepDir`). */
  dispose(keepDir?: boolean): Promise<void>;
}

/** Every ensemble not yet disposed (and whether to keep its directory), for the exit and signal handlers. */
const live = new Map<LocalCluster, boolean>();
let exitHookInstalled = false;

/** SIGKILL every server of every bench ensemble still running (exit and signal handlers). Synchronous. */
export function killAllBenchEnsemblesSync(): void {
  for (const [cluster, keep] of live) {
    try {
      cluster.killAllNow();
    } catch {
      // best effort
    }
    if (!keep) rmSync(cluster.spec.dataDir, { recursive: true, force: true });
  }
  live.clear();
}

/** The zoo.cfg of one bench server: the lab's file with direct peer addresses, no AdminServer. */
export function benchZooCfg(spec: ClusterSpec, name: string, forceSync: boolean): string {
  const peers = new Map<number, PeerAddress>();
  for (const zk of spec.ports.zookeepers) {
    peers.set(zk.sid, { host: spec.host, quorumPort: zk.quorumPort, electionPort: zk.electionPort });
  }
  const lab = renderLabZooCfg({ spec, name, peers });
  const lines = lab
    .split('\n')
    // the lab's explanation of fault proxies does not hold here
    .filter((line) => !line.startsWith('# The ensemble.') && !line.startsWith('# fault proxy in'))
    .map((line) => (line === 'admin.enableServer=true' ? 'admin.enableServer=false' : line))
    .filter((line) => !line.startsWith('admin.serverAddress=') && !line.startsWith('admin.serverPort='));
  const body = lines.join('\n').trimEnd();
  return [
    `# kzlab bench quorum: peers connect directly (no fault proxies), AdminServer off, as in the measured baseline.`,
    body,
    `forceSync=${forceSync ? 'yes' : 'no'}`,
    'maxClientCnxns=1000',
    '',
  ].join('\n');
}

/** The baseline's JVM command line for Apache ZooKeeper 3.8 (zookeeper-measured.md, "Setup details"). */
export function apacheBaselineCommand(configPath: string, nodeDir: string, forceSync: boolean): NodeCommand {
  // Reuse the lab's checks (jar present) and class path logic, then swap the JVM flags.
  const lab = zookeeperCommand('apache', configPath, nodeDir);
  const jar = join(JAVA_DIR, 'zookeeper.jar');
  const classPath = [jar];
  const binding = join(JAVA_DIR, 'slf4j-simple.jar');
  if (existsSync(binding)) classPath.push(binding);
  return {
    command: lab.command,
    args: [
      '-Xms64m',
      '-Xmx256m',
      `-Dzookeeper.forceSync=${forceSync ? 'yes' : 'no'}`,
      '-cp',
      classPath.join(':'),
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      configPath,
    ],
    cwd: nodeDir,
  };
}

async function askModes(
  spec: ClusterSpec,
  names: readonly string[],
  timeoutMs: number,
): Promise<Map<string, ServerMode>> {
  const entries = await Promise.all(
    names.map(async (name) => {
      const zk = spec.ports.zookeepers.find((z) => z.name === name);
      if (zk === undefined) return [name, 'down'] as const;
      try {
        const text = await fourLetterWord(spec.host, zk.clientPort, 'srvr', timeoutMs);
        return [name, parseSrvr(text).mode] as const;
      } catch {
        return [name, 'unreachable'] as const;
      }
    }),
  );
  return new Map<string, ServerMode>(entries);
}

/** Exactly one leader and every listed server serving. */
export function quorumReady(modes: ReadonlyMap<string, ServerMode>, names: readonly string[]): boolean {
  let leaders = 0;
  for (const name of names) {
    const mode = modes.get(name) ?? 'down';
    if (!isServingMode(mode)) return false;
    if (mode === 'leader' || mode === 'standalone') leaders++;
  }
  return leaders === 1;
}

/** Start a fresh ensemble in a new temporary directory on a free port base; resolves once it serves. */
export async function startBenchEnsemble(options: BenchEnsembleOptions): Promise<BenchEnsemble> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => killAllBenchEnsemblesSync());
  }
  const dataDir = await mkdtemp(join(tmpdir(), `kzlab-bench-quorum-${options.impl}${options.size}-`));
  let cluster: LocalCluster | undefined;
  try {
    const portBase = await findFreePortBase({ zookeepers: options.size });
    const spec = resolveClusterSpec({
      dataDir,
      portBase,
      zookeepers: options.size,
      impl: options.impl,
      tickTimeMs: options.tickTimeMs,
    });
    const command = (name: string, _labConfigPath: string, nodeDir: string): NodeCommand => {
      const configPath = `${nodePaths(spec, name).dir}/zoo.bench.cfg`;
      writeFileSync(configPath, benchZooCfg(spec, name, options.forceSync));
      if (options.impl === 'apache') return apacheBaselineCommand(configPath, nodeDir, options.forceSync);
      const ours = zookeeperCommand('kzlab', configPath, nodeDir);
      // KZLAB_BENCH_NODE_ARGS: extra node flags for our servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
      // to see where a phase's server CPU goes (node refuses --cpu-prof in NODE_OPTIONS).
      const extra = (process.env.KZLAB_BENCH_NODE_ARGS ?? '').split(/\s+/).filter((arg) => arg !== '');
      return extra.length === 0 ? ours : { ...ours, args: [...extra, ...ours.args] };
    };
    const c = new LocalCluster({
      spec,
      command,
      readyTimeoutMs: options.readyTimeoutMs,
      roleWatchIntervalMs: 0,
      stopTimeoutMs: 3000,
      killTimeoutMs: 5000,
      servingTimeoutMs: 60_000,
      answerTimeoutMs: 60_000,
    });
    cluster = c;
    live.set(c, options.keep === true);
    const names = spec.ports.zookeepers.map((zk) => zk.name);

    let launchedAt: number | null = null;
    let labReadyMs: number | null = null;
    const unsubscribe = c.subscribe((event: ClusterEvent) => {
      if (event.type === 'node-started' && launchedAt === null) launchedAt = performance.now();
      if (event.type === 'lab-ready') labReadyMs = event.afterMs;
    });
    let startFailed = false;
    const firstAnswer = new Map<string, number>();
    const started = c.start().catch((error: unknown) => {
      startFailed = true;
      throw error;
    });
    // Our own, finer poll for "every server serving, one leader", counted from the first launch.
    const poll = (async (): Promise<number | null> => {
      const deadline = performance.now() + options.readyTimeoutMs + 5000;
      for (;;) {
        if (startFailed || performance.now() > deadline) return null;
        if (launchedAt !== null) {
          const modes = await askModes(spec, names, 500);
          const now = performance.now();
          for (const [name, mode] of modes) {
            if (mode !== 'unreachable' && mode !== 'down' && !firstAnswer.has(name))
              firstAnswer.set(name, now);
          }
          if (quorumReady(modes, names)) return now - launchedAt;
        }
        await delay(options.pollIntervalMs);
      }
    })();
    await started;
    const polled = await poll;
    unsubscribe();
    const startToServingMs = polled ?? labReadyMs ?? Number.NaN;
    const launched = launchedAt as number | null;
    const answeringMs =
      launched !== null && firstAnswer.size === names.length
        ? Math.max(...firstAnswer.values()) - launched
        : Number.NaN;

    const ensemble: BenchEnsemble = {
      impl: options.impl,
      size: options.size,
      cluster: c,
      spec,
      names,
      startToServingMs,
      answeringMs,
      labReadyMs,
      connectOf: (name) => `${spec.host}:${ensemble.clientPort(name)}`,
      clientPort: (name) => {
        const zk = spec.ports.zookeepers.find((z) => z.name === name);
        if (zk === undefined) throw new RangeError(`no server ${name}`);
        return zk.clientPort;
      },
      pids: async () => {
        const info = await c.info();
        return info.nodes.map((n) => n.pid).filter((pid): pid is number => pid !== null);
      },
      modes: (timeoutMs = 1000) => askModes(spec, names, timeoutMs),
      status: () => c.status(),
      dispose: async (keepDir = false) => {
        live.delete(c);
        c.killAllNow();
        try {
          await c.stop('bench run finished');
        } finally {
          if (options.keep !== true && !keepDir) rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
    return ensemble;
  } catch (error) {
    if (cluster !== undefined) {
      live.delete(cluster);
      cluster.killAllNow();
      await cluster.stop('bench start failed').catch(() => undefined);
    }
    if (options.keep !== true) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
